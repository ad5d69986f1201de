// Shared test fixtures: fresh secrets, device bodies, and a sandbox clock placed mid-window so TOTP
// tests never straddle a window edge (no sleeping, no flakiness).
import { randomBytes } from 'node:crypto';
import { base32Decode, base32Encode, hotp, totpStep } from '@tokenfleet/domain';
import type { HashFunction } from '@tokenfleet/domain';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Sandbox, SandboxBehaviour, SandboxOptions } from '../src/index';
import { DEFAULT_BEHAVIOUR, startSandbox } from '../src/index';
import type { SandboxClient } from './client';
import { sandboxClient } from './client';

export function newSecret(bytes = 20): string {
  return base32Encode(randomBytes(bytes));
}

let serialCounter = 0;
export function uniqueSerial(prefix = 'SN'): string {
  serialCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${serialCounter}`;
}

export function deviceBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serialNumber: uniqueSerial(),
    manufacturer: 'Token2',
    model: 'C202',
    secretKey: newSecret(),
    timeIntervalInSeconds: 30,
    hashFunction: 'hmacsha1',
    ...overrides,
  };
}

/**
 * Sets the sandbox clock offset so that `sandbox.now()` sits 15 s into a 60 s window (and so also
 * 15 s into a 30 s window), plus `extraOffsetMs`. Leaves ≥ 14 s before any window edge.
 */
export function centreClock(sandbox: Sandbox, extraOffsetMs = 0): void {
  const local = Date.now();
  const intoMinute = local % 60_000;
  sandbox.configure({ clockOffsetMs: 15_000 - intoMinute + extraOffsetMs });
}

/** The code for the sandbox clock's current step plus `stepOffset`. */
export function codeAt(sandbox: Sandbox, secretBase32: string, options: { period?: 30 | 60; hash?: HashFunction; stepOffset?: number; clock?: number } = {}): string {
  const period = options.period ?? 30;
  const step = totpStep(options.clock ?? sandbox.now(), period) + (options.stepOffset ?? 0);
  const secret = base32Decode(secretBase32.toUpperCase());
  if (!secret) throw new Error('test secret is not Base32');
  return hotp(secret, step, options.hash ?? 'hmacsha1', 6);
}

export interface SandboxFixture {
  sandbox: Sandbox;
  client: SandboxClient;
}

/**
 * One sandbox per test file, started once; before each test it forgets devices and calls, returns to
 * the behaviour it started with, and places its clock mid-window.
 */
export function useSandbox(options: SandboxOptions = {}): SandboxFixture {
  const fixture = {} as SandboxFixture;
  const startBehaviour = { ...structuredClone(DEFAULT_BEHAVIOUR), ...options };
  const behaviourKeys = Object.keys(DEFAULT_BEHAVIOUR) as Array<keyof SandboxBehaviour>;
  beforeAll(async () => {
    fixture.sandbox = await startSandbox(options);
    fixture.client = sandboxClient(fixture.sandbox);
  });
  afterAll(async () => {
    fixture.client.close();
    await fixture.sandbox.close();
  });
  beforeEach(() => {
    fixture.sandbox.reset();
    fixture.sandbox.configure(Object.fromEntries(behaviourKeys.map((key) => [key, structuredClone(startBehaviour[key])])));
    centreClock(fixture.sandbox);
  });
  return fixture;
}
