// The Graph contract: what @tokenfleet/graph expects of Microsoft Graph, as ONE suite run against every
// target — the in-process Entra sandbox always, a live tenant when GRAPH_CONTRACT_TENANT_ID,
// GRAPH_CONTRACT_CLIENT_ID, GRAPH_CONTRACT_CLIENT_SECRET and GRAPH_CONTRACT_TEST_UPN are set. Tests that
// need the sandbox's controls (throttling, failure injection, its clock) are sandbox-only. If the sandbox
// and the client disagree, a test here fails, so neither can drift from what the other expects.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode, totpCode } from '@tokenfleet/domain';
import type { TotpKey } from '@tokenfleet/domain';
import { DEFAULT_BEHAVIOUR, startSandbox } from '@tokenfleet/entra-sandbox';
import type { Sandbox } from '@tokenfleet/entra-sandbox';
import { createGraphClient } from '../../src/client';
import type { DeviceCreate, GraphClient, GraphOutcome, GraphUser, HardwareOathDevice } from '../../src/types';
import { makeSelfSignedCertificate } from './self-signed';
import { capturingLogger, liveTarget, QUOTED_USER, sandboxTarget } from './targets';
import type { ContractEnvironment, ContractTarget } from './targets';
import { WireRecorder } from './wire-recorder';

const targets: ContractTarget[] = [sandboxTarget(), liveTarget()];

/** Narrows an outcome to ok, failing the test with what Graph said otherwise. */
function okValue<T>(outcome: GraphOutcome<T>): T {
  if (outcome.kind !== 'ok') expect.fail(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

for (const target of targets) {
  const isSandbox = target.name.startsWith('Entra sandbox');
  const sandboxIt = isSandbox ? it : it.skip;

  describe.skipIf(!target.available)(`Graph contract — ${target.name}`, () => {
    const wire = new WireRecorder();
    const run = randomUUID().slice(0, 8).toUpperCase();
    const seeds = new Set<string>();
    const codes = new Set<string>();
    const createdDeviceIds = new Set<string>();
    let serialCounter = 0;
    let env: ContractEnvironment;
    let client: GraphClient;

    const user = (index: number): GraphUser => env.users[index % env.users.length]!;
    const sandbox = (): Sandbox => env.sandbox!;

    function newToken(overrides: Partial<DeviceCreate> = {}): { create: DeviceCreate; key: TotpKey } {
      const secret = randomBytes(20);
      const secretKey = base32Encode(secret);
      seeds.add(secretKey);
      serialCounter += 1;
      return {
        create: {
          serialNumber: `TFC-${run}-${String(serialCounter).padStart(5, '0')}`,
          manufacturer: 'Tokenfleet',
          model: 'Contract',
          secretKey,
          timeIntervalInSeconds: 30,
          hashFunction: 'hmacsha1',
          ...overrides,
        },
        key: { secret, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 },
      };
    }

    /** The code as the worker computes it: at send time, from the clock corrected to Graph's. */
    function codeAtSendTime(key: TotpKey, graph: GraphClient = client, stepOffset = 0): () => string {
      return () => {
        const code = totpCode(key, graph.now(), stepOffset);
        codes.add(code);
        return code;
      };
    }

    async function createOne(overrides: Partial<DeviceCreate> = {}): Promise<{ device: HardwareOathDevice; key: TotpKey }> {
      const token = newToken(overrides);
      const device = okValue(await client.createDevice(token.create));
      createdDeviceIds.add(device.id);
      return { device, key: token.key };
    }

    beforeAll(async () => {
      wire.start();
      env = await target.start();
      // One step of tolerance so a code computed at a window's last instant still lands (Entra itself
      // allows ±1 day at activation); the clock test below still needs the offset to get it right.
      env.sandbox?.configure({ totpToleranceSteps: 1 });
      client = env.newClient();
    }, 60_000);

    afterAll(async () => {
      if (env && env.sandbox === null) {
        // A live tenant keeps what we made: take it back out.
        const cleaner = env.newClient();
        for (const id of createdDeviceIds) {
          const device = await cleaner.getDevice(id);
          if (device.kind === 'ok' && device.value.assignedTo) await cleaner.unassign(device.value.assignedTo.id, id);
          await cleaner.deleteDevice(id);
        }
      }
      await env?.stop();
      wire.stop();
    }, 120_000);

    // ---- users ---------------------------------------------------------------------------------------

    it('reads a user by UPN and by object id', async () => {
      const byUpn = okValue(await client.getUser(user(0).userPrincipalName));
      expect(byUpn).toMatchObject({ id: user(0).id, userPrincipalName: user(0).userPrincipalName });
      const byId = okValue(await client.getUser(user(0).id));
      expect(byId?.userPrincipalName).toBe(user(0).userPrincipalName);
    });

    it('answers null for a user that does not exist', async () => {
      expect(okValue(await client.getUser(`nobody-${run.toLowerCase()}@contoso.example`))).toBeNull();
    });

    it('searches users by prefix, with a quote in the prefix', async () => {
      const prefix = isSandbox ? "dominique.o'h" : "o'";
      const found = okValue(await client.searchUsers(prefix, 5));
      if (isSandbox) expect(found.map((u) => u.userPrincipalName)).toEqual([QUOTED_USER.userPrincipalName]);
      expect(found.length).toBeLessThanOrEqual(5);
    });

    // ---- inventory -----------------------------------------------------------------------------------

    it('creates one device: never returns the secret, starts available', async () => {
      const token = newToken({ displayName: 'Contract one' });
      const outcome = await client.createDevice(token.create);
      const device = okValue(outcome);
      createdDeviceIds.add(device.id);
      expect([200, 201]).toContain(outcome.kind === 'ok' && outcome.status);
      expect(device).toMatchObject({ serialNumber: token.create.serialNumber, secretKey: null, status: 'available', assignedTo: null, timeIntervalInSeconds: 30 });
      expect(okValue(await client.getDevice(device.id))).toMatchObject({ id: device.id, serialNumber: token.create.serialNumber, secretKey: null });
    });

    sandboxIt('refuses a second device with the same serial (permanent, Graph error code)', async () => {
      const token = newToken();
      okValue(await client.createDevice(token.create));
      const duplicate = await client.createDevice({ ...token.create, secretKey: newToken().create.secretKey });
      expect(duplicate).toMatchObject({ kind: 'permanent', status: 400, code: 'badRequest' });
    });

    it('bulk-creates in chunks with assignTo, reporting an invalid item on its own', async () => {
      const assigned = newToken({ assignTo: { id: user(3).id } });
      const invalid = newToken({ secretKey: 'NOT BASE32 018!' });
      const plain = newToken();
      const outcome = await client.createDevices([assigned.create, invalid.create, plain.create], { chunkSize: 2 });
      const results = okValue(outcome);
      for (const result of results) if (result.ok) createdDeviceIds.add(result.device.id);

      expect(results.map((r) => [r.contentId, r.serialNumber, r.ok])).toEqual([
        ['1', assigned.create.serialNumber, true],
        ['2', invalid.create.serialNumber, false],
        ['3', plain.create.serialNumber, true],
      ]);
      const [first, second, third] = results;
      if (!first?.ok || second?.ok !== false || !third?.ok) throw new Error('unreachable');
      expect(first.device.assignedTo?.id).toBe(user(3).id);
      expect(['assigned', 'available']).toContain(first.device.status);
      expect(second.status).toBeGreaterThanOrEqual(400);
      expect(second.code).not.toBe('');
      expect(third.device).toMatchObject({ status: 'available', assignedTo: null, secretKey: null });

      const methods = okValue(await client.listUserMethods(user(3).id));
      expect(methods.map((m) => m.device?.serialNumber)).toContain(assigned.create.serialNumber);
      okValue(await client.unassign(user(3).id, methods.find((m) => m.device?.serialNumber === assigned.create.serialNumber)!.id));
    });

    sandboxIt('reads bulk items in the flat device shape as well as the method wrapper', async () => {
      sandbox().configure({ bulkItemShape: 'device' });
      try {
        const items = [newToken().create, newToken().create];
        const results = okValue(await client.createDevices(items));
        expect(results.map((r) => r.ok && r.device.serialNumber)).toEqual(items.map((i) => i.serialNumber));
      } finally {
        sandbox().configure({ bulkItemShape: DEFAULT_BEHAVIOUR.bulkItemShape });
      }
    });

    it('lists devices with $filter, quotes escaped, and finds one by serial', async () => {
      const manufacturer = `O'Token ${run}`;
      const { device } = await createOne({ manufacturer });
      await createOne({ manufacturer, model: 'Other' });

      expect(okValue(await client.listDevices({ manufacturer })).map((d) => d.manufacturer)).toEqual([manufacturer, manufacturer]);
      expect(okValue(await client.listDevices({ manufacturer, model: 'Contract' })).map((d) => d.id)).toEqual([device.id]);
      expect(okValue(await client.listDevices({ serialNumber: device.serialNumber })).map((d) => d.id)).toEqual([device.id]);
      expect(okValue(await client.listDevices({ manufacturer, status: 'available', timeIntervalInSeconds: 30 }))).toHaveLength(2);
      expect(okValue(await client.listDevices({ manufacturer, status: 'activated' }))).toEqual([]);
      expect(okValue(await client.findDeviceBySerial(device.serialNumber))?.id).toBe(device.id);
      expect(okValue(await client.findDeviceBySerial(`TFC-${run}-missing`))).toBeNull();
    });

    sandboxIt('follows @odata.nextLink past 1,000 devices (1,050 created in bulk chunks)', async () => {
      const items = Array.from({ length: 1050 }, () => newToken({ model: `Paging ${run}` }).create);
      const results = okValue(await client.createDevices(items));
      expect(results.filter((r) => r.ok)).toHaveLength(1050);

      const pageRequestsBefore = wire.requests.length;
      const listed = okValue(await client.listDevices());
      const serials = new Set(listed.map((d) => d.serialNumber));
      expect(serials.size).toBe(listed.length); // no device twice across pages
      for (const item of items) expect(serials.has(item.serialNumber)).toBe(true);
      const pageRequests = wire.requests.slice(pageRequestsBefore).filter((r) => r.path.includes('/hardwareOathDevices'));
      expect(pageRequests.length).toBeGreaterThanOrEqual(11);
      expect(pageRequests.slice(1).every((r) => /skiptoken/i.test(r.path))).toBe(true);

      const capped = okValue(await client.listDevices({ model: `Paging ${run}` }, { maxItems: 150 }));
      expect(capped).toHaveLength(150);
    });

    it('gets, updates and deletes a device; an unknown id is a permanent 404', async () => {
      const { device } = await createOne();
      okValue(await client.updateDevice(device.id, { model: 'Renamed', displayName: 'Contract renamed' }));
      expect(okValue(await client.getDevice(device.id))).toMatchObject({ model: 'Renamed', displayName: 'Contract renamed' });

      okValue(await client.deleteDevice(device.id));
      createdDeviceIds.delete(device.id);
      expect(await client.getDevice(device.id)).toMatchObject({ kind: 'permanent', status: 404 });
      const unknown = await client.getDevice(randomUUID());
      expect(unknown).toMatchObject({ kind: 'permanent', status: 404 });
      if (isSandbox) expect(unknown).toMatchObject({ code: 'itemNotFound' });
    });

    // ---- a user's methods ----------------------------------------------------------------------------

    it('assigns, lists, activates, deactivates and unassigns', async () => {
      const { device, key } = await createOne();
      const owner = user(0);
      const assigned = okValue(await client.assign(owner.userPrincipalName, device.id));
      expect(assigned.id).toBeTruthy();

      const methods = okValue(await client.listUserMethods(owner.userPrincipalName));
      expect(methods.find((m) => m.id === assigned.id)?.device?.serialNumber).toBe(device.serialNumber);
      const method = okValue(await client.getUserMethod(owner.id, assigned.id));
      expect(method.device).toMatchObject({ serialNumber: device.serialNumber, status: 'assigned' });
      expect(okValue(await client.getDevice(device.id)).assignedTo?.id).toBe(owner.id);

      if (isSandbox) {
        // Update and delete need the token unassigned first (docs/graph-hardware-oath.md §2.5, §2.6).
        expect(await client.updateDevice(device.id, { model: 'Nope' })).toMatchObject({ kind: 'permanent', status: 400 });
        expect(await client.deleteDevice(device.id)).toMatchObject({ kind: 'permanent', status: 400 });
      }

      okValue(await client.activate(owner.userPrincipalName, assigned.id, codeAtSendTime(key), 'Contract token'));
      expect(okValue(await client.getDevice(device.id)).status).toBe('activated');

      okValue(await client.deactivate(owner.userPrincipalName, assigned.id));
      okValue(await client.unassign(owner.userPrincipalName, assigned.id));
      expect(okValue(await client.getDevice(device.id))).toMatchObject({ status: 'available', assignedTo: null });
    });

    it('assigns and activates by device id in one call', async () => {
      const { device, key } = await createOne();
      okValue(await client.assignAndActivate(user(1).id, device.id, codeAtSendTime(key), 'Contract one-call'));
      expect(okValue(await client.getDevice(device.id))).toMatchObject({ status: 'activated', assignedTo: { id: user(1).id } });
      okValue(await client.unassign(user(1).id, device.id));
    });

    it('assigns and activates by serial number in one call', async () => {
      const { device, key } = await createOne();
      okValue(await client.assignAndActivateBySerial(user(2).userPrincipalName, device.serialNumber, codeAtSendTime(key)));
      const activated = okValue(await client.getDevice(device.id));
      expect(activated).toMatchObject({ status: 'activated', assignedTo: { id: user(2).id } });
      okValue(await client.unassign(user(2).id, device.id));
    });

    it("refuses a wrong code at activation: permanent, with Graph's error code, and no code in the message", async () => {
      const { device, key } = await createOne();
      const owner = user(4);
      const { id: methodId } = okValue(await client.assign(owner.id, device.id));
      // A real code of this seed, but ten thousand windows away: beyond any drift Entra tolerates.
      const wrongCode = codeAtSendTime(key, client, 10_000);
      let sentCode = '';
      const outcome = await client.activate(owner.id, methodId, () => (sentCode = wrongCode()));
      expect(outcome).toMatchObject({ kind: 'permanent', status: 400 });
      if (outcome.kind !== 'permanent') throw new Error('unreachable');
      if (isSandbox) expect(outcome.code).toBe('badRequest');
      expect(outcome.code).not.toBe('');
      expect(outcome.message).not.toContain(sentCode);
      okValue(await client.unassign(owner.id, methodId));
    });

    it('treats an unknown user as a permanent 404', async () => {
      const { device } = await createOne();
      const outcome = await client.assign(`nobody-${run.toLowerCase()}@contoso.example`, device.id);
      expect(outcome).toMatchObject({ kind: 'permanent', status: 404 });
      if (isSandbox) expect(outcome).toMatchObject({ code: 'Request_ResourceNotFound' });
    });

    // ---- throttling, failures, clock, tokens (sandbox controls) -------------------------------------

    sandboxIt("hands a 429 back with Graph's (fractional) Retry-After, without retrying it", async () => {
      const { device } = await createOne();
      sandbox().configure({ writeLimit: { requests: 2, windowMs: 1_234 } });
      try {
        let outcome: GraphOutcome<void> | null = null;
        for (let attempt = 0; attempt < 5 && outcome?.kind !== 'rate-limited'; attempt += 1) {
          outcome = await client.updateDevice(device.id, { displayName: `write ${attempt}` });
        }
        expect(outcome).toMatchObject({ kind: 'rate-limited', status: 429, fromHeader: true, code: 'TooManyRequests' });
        if (outcome?.kind !== 'rate-limited') throw new Error('unreachable');
        const throttled = wire.requests.filter((r) => r.status === 429);
        const header = throttled.at(-1)?.retryAfter;
        expect(header).toMatch(/^\d+(\.\d+)?$/);
        expect(outcome.retryAfterMs).toBe(Math.ceil(Number(header) * 1000));
        // At most the window (the header is rounded up to the hundredth of a second).
        expect(outcome.retryAfterMs).toBeLessThanOrEqual(1_240);
        // The client did not retry: exactly one request went out for the throttled call.
        expect(wire.requests.at(-1)?.status).toBe(429);
      } finally {
        sandbox().configure({ writeLimit: DEFAULT_BEHAVIOUR.writeLimit });
      }
    });

    sandboxIt("carries Graph's x-ms-throttle-limit-percentage on the outcome once most of the budget is spent", async () => {
      const { device } = await createOne();
      // A bucket of ten writes, refilled at one a minute (another model than the default's window, so it
      // starts full, whatever earlier tests spent).
      sandbox().configure({ writeLimit: { requests: 1, windowMs: 60_000, burst: 10 } });
      try {
        const usages: Array<number | undefined> = [];
        for (let attempt = 0; attempt < 10; attempt += 1) {
          const outcome = await client.updateDevice(device.id, { displayName: `write ${attempt}` });
          expect(outcome.kind).toBe('ok');
          usages.push(outcome.limitUsage);
        }
        // Absent until more than 0.8 of the limit is in use, then the share as Graph's header said it.
        expect(usages).toEqual([...Array(8).fill(undefined), 0.9, 1]);
      } finally {
        sandbox().configure({ writeLimit: DEFAULT_BEHAVIOUR.writeLimit });
      }
    });

    sandboxIt('backs off exponentially, capped, when a 429 has no Retry-After', async () => {
      const { device } = await createOne();
      const backingOff = env.newClient({ rateLimitBackoff: { initialMs: 250, maxMs: 1_000 } });
      sandbox().configure({ retryAfterHeader: false, writeLimit: { requests: 1, windowMs: 60_000 } });
      try {
        const delays: number[] = [];
        for (let attempt = 0; attempt < 6 && delays.length < 4; attempt += 1) {
          const outcome = await backingOff.updateDevice(device.id, { displayName: `write ${attempt}` });
          if (outcome.kind === 'rate-limited') {
            expect(outcome.fromHeader).toBe(false);
            delays.push(outcome.retryAfterMs);
          }
        }
        expect(delays).toEqual([250, 500, 1_000, 1_000]);
      } finally {
        sandbox().configure({ retryAfterHeader: true, writeLimit: DEFAULT_BEHAVIOUR.writeLimit });
      }
    });

    sandboxIt('reads an injected 503 with Retry-After as rate-limited (load shedding)', async () => {
      const { device } = await createOne();
      sandbox().configure({ transientFailureRate: 1 });
      try {
        const outcome = await client.getDevice(device.id);
        expect(outcome).toMatchObject({ kind: 'rate-limited', status: 503, fromHeader: true, code: 'serviceNotAvailable' });
        const answered = wire.requests.at(-1)!;
        expect(answered.status).toBe(503);
        if (outcome.kind === 'rate-limited') expect(outcome.retryAfterMs).toBe(Math.ceil(Number(answered.retryAfter) * 1000));
      } finally {
        sandbox().configure({ transientFailureRate: 0 });
      }
      okValue(await client.getDevice(device.id));
    });

    sandboxIt('gives up on a request Graph never answers: transient timeout', async () => {
      const impatient = env.newClient({ timeoutMs: 400 });
      okValue(await impatient.getUser(user(0).id)); // token in hand, so only the Graph call can hang
      sandbox().configure({ timeoutRate: 1 });
      try {
        expect(await impatient.getUser(user(0).id)).toMatchObject({ kind: 'transient', status: null, code: 'timeout' });
      } finally {
        sandbox().configure({ timeoutRate: 0 });
      }
      okValue(await impatient.getUser(user(0).id));
    });

    sandboxIt("estimates Graph's clock from Date headers and activates by it", async () => {
      const offsetMs = 90_000; // three 30-s windows: a code from our own clock would be refused
      sandbox().configure({ clockOffsetMs: offsetMs });
      try {
        const corrected = env.newClient();
        expect(corrected.clockUncertaintyMs()).toBe(Number.POSITIVE_INFINITY);
        for (let call = 0; call < 6; call += 1) okValue(await corrected.getUser(user(5).id));
        expect(Math.abs(corrected.clockOffsetMs() - offsetMs)).toBeLessThanOrEqual(1_000);
        // The true offset lies within the uncertainty of the estimate, which one second of Date resolution bounds.
        expect(Math.abs(corrected.clockOffsetMs() - offsetMs)).toBeLessThanOrEqual(corrected.clockUncertaintyMs() + 20);
        expect(corrected.clockUncertaintyMs()).toBeLessThan(1_000);
        expect(Math.abs(corrected.now() - sandbox().now())).toBeLessThanOrEqual(1_000);

        const { device, key } = await createOne();
        const { id: methodId } = okValue(await corrected.assign(user(5).id, device.id));
        const ownClock = await corrected.activate(user(5).id, methodId, () => totpCode(key, Date.now()));
        expect(ownClock).toMatchObject({ kind: 'permanent', status: 400 });
        okValue(await corrected.activate(user(5).id, methodId, codeAtSendTime(key, corrected)));
        okValue(await corrected.unassign(user(5).id, methodId));
      } finally {
        sandbox().configure({ clockOffsetMs: 0 });
      }
    });

    sandboxIt('asks the token endpoint once for many Graph calls, and computes the code after the token is in hand', async () => {
      const tokenCalls = () => sandbox().inspect.calls().filter((call) => call.route.includes('/oauth2/v2.0/token')).length;
      const before = tokenCalls();
      const fresh = env.newClient();
      const { device, key } = await createOne();
      let tokenCallsWhenCodeWasComputed = -1;
      let codeCalls = 0;
      const code = codeAtSendTime(key, fresh);
      okValue(
        await fresh.assignAndActivate(user(6).id, device.id, () => {
          codeCalls += 1;
          tokenCallsWhenCodeWasComputed = tokenCalls();
          return code();
        }),
      );
      expect(codeCalls).toBe(1);
      expect(tokenCallsWhenCodeWasComputed).toBe(before + 1);
      for (let call = 0; call < 5; call += 1) okValue(await fresh.getDevice(device.id));
      okValue(await fresh.unassign(user(6).id, device.id));
      expect(tokenCalls()).toBe(before + 1);
    });

    // ---- what went over the wire and into the logs --------------------------------------------------

    it('logs every Graph call once, by path template, and never a seed, code, client secret or token', () => {
      const graphLines = env.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.call === 'graph');
      const graphRequests = wire.requests.filter((r) => env.allowedHosts.has(r.host) && !r.path.includes('/oauth2/'));
      expect(graphLines.filter((line) => line.status !== null)).toHaveLength(graphRequests.filter((r) => r.status !== null).length);
      for (const line of graphLines) {
        expect(String(line.path)).toMatch(/^\/(beta|v1\.0)\/[A-Za-z/{}$]+$/);
        expect(line).toHaveProperty('outcome');
        expect(line).toHaveProperty('durationMs');
      }

      const tokens = wire.bearerTokens();
      expect(tokens.length).toBeGreaterThan(0);
      expect(codes.size).toBeGreaterThan(0);
      const forbidden = [...seeds, ...codes, ...tokens, env.baseOptions.clientSecret!, user(0).userPrincipalName];
      for (const line of env.logLines) {
        for (const secret of forbidden) expect(line.includes(secret), `a log line contains a secret or a UPN: ${line.slice(0, 80)}…`).toBe(false);
      }
    });

    it('reaches nothing but the configured hosts (MSAL and the Graph client alike)', () => {
      const hosts = new Set(wire.requests.map((r) => r.host));
      expect([...hosts].sort()).toEqual([...env.allowedHosts].sort());
      // Everything went through our node:https transport: neither MSAL's default fetch client nor the
      // Graph client's fetch-based HTTPMessageHandler opened a connection.
      expect([...wire.fetchConnections]).toEqual([]);
      if (isSandbox) {
        const port = new URL(env.baseOptions.graphBaseUrl).port;
        for (const connection of wire.connections) expect(connection).toMatch(new RegExp(`^(127\\.0\\.0\\.1|::1|::ffff:127\\.0\\.0\\.1):${port}$`));
        // The only token traffic was the POST to the token endpoint: no instance discovery, no metadata.
        const authorityRequests = wire.requests.filter((r) => !r.path.startsWith('/beta/') && !r.path.startsWith('/v1.0/'));
        expect(authorityRequests.length).toBeGreaterThan(0);
        for (const request of authorityRequests) {
          expect(request.method).toBe('POST');
          expect(request.path.split('?')[0]).toBe(`/${env.baseOptions.tenantId}/oauth2/v2.0/token`);
        }
      }
    });

    describe.skipIf(!isSandbox)('with a signing key rotated under a cached token', () => {
      let stateDir: string;
      beforeAll(async () => {
        stateDir = await mkdtemp(join(tmpdir(), 'tokenfleet-contract-'));
      });
      afterAll(async () => {
        await rm(stateDir, { recursive: true, force: true });
      });

      it('answers a 401 with one fresh token (certificate credential), then succeeds', async () => {
        const certificate = makeSelfSignedCertificate();
        const first = await startSandbox({ stateDir, clientCertificatePem: certificate.certificatePem, clientSecret: `first-${randomUUID()}` });
        const lines: string[] = [];
        const rotated = createGraphClient({
          tenantId: first.tenantId,
          clientId: first.clientId,
          clientCertificate: certificate,
          authorityHost: first.origin,
          graphBaseUrl: first.origin,
          caCertificatePem: first.caCertificatePem,
          logger: capturingLogger(lines),
        });
        let second: Sandbox | null = null;
        try {
          const someone = first.inspect.users()[0]!;
          okValue(await rotated.getUser(someone.id));
          const port = first.port;
          await first.close();
          // Same host, CA and certificate; a new client secret means a new token-signing key, so the
          // token the client holds is no longer valid there.
          second = await startSandbox({ stateDir, port, clientCertificatePem: certificate.certificatePem, clientSecret: `second-${randomUUID()}` });
          okValue(await rotated.getUser(someone.id));
          // The fresh token replaces the one held: the next call carries it, without another 401.
          okValue(await rotated.getUser(someone.id));
          const seen = second.inspect.calls().map((call) => [call.method, call.route.includes('/oauth2/') ? 'token' : 'user', call.status]);
          expect(seen).toEqual([
            ['GET', 'user', 401],
            ['POST', 'token', 200],
            ['GET', 'user', 200],
            ['GET', 'user', 200],
          ]);
          for (const line of lines) expect(line.includes(certificate.privateKeyPem.split('\n')[1]!)).toBe(false);
        } finally {
          rotated.close();
          await second?.close();
        }
      });
    });
  });
}
