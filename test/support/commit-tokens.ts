// Tokens committed the way an import commits them: token rows with encrypted seeds and one create
// operation each, in one transaction, then (unless told otherwise) enqueued after the commit.
import { randomBytes, randomUUID } from 'node:crypto';
import { base32Encode, type HashFunction } from '@tokenfleet/domain';
import { insertOperations, tokens, type Operation } from '@tokenfleet/db';
import { enqueueOperations, type TenantQueue } from '@tokenfleet/queue';
import type { TestSystem } from './system';

export interface TokenSpec {
  upn?: string;
  interval?: 30 | 60;
  hash?: HashFunction;
  activate?: boolean;
}

export interface CommittedToken {
  id: string;
  serial: string;
  secret: string;
  operation: Operation;
}

/** `options.tenantId`: commit for another tenant than the system's own (a tenant added in Tokenfleet). */
export async function commitTokens(system: TestSystem, queue: TenantQueue | null, specs: TokenSpec[], options: { tenantId?: string } = {}): Promise<CommittedToken[]> {
  const tenantId = options.tenantId ?? system.tenantId;
  const rows = specs.map((spec) => {
    const id = randomUUID();
    const secret = base32Encode(randomBytes(spec.hash === 'hmacsha256' ? 32 : 20));
    return { spec, id, secret, serial: `W${randomBytes(5).toString('hex')}`, sealed: system.vault.encrypt(id, secret) };
  });
  const ops = await system.client.db.transaction(async (tx) => {
    await tx.insert(tokens).values(rows.map(({ spec, id, serial, sealed }) => ({
      id, tenantId, serialNumber: serial, manufacturer: 'Token2', model: 'C202', displayName: `Token2 C202 - ${serial}`,
      hashFunction: spec.hash ?? 'hmacsha1', timeIntervalSeconds: spec.interval ?? 30, state: 'imported' as const,
      secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext,
    })));
    return insertOperations(tx, rows.map(({ spec, id }) => ({
      tenantId, tokenId: id, kind: 'token.create' as const, generation: 0, createdBy: 'test',
      params: spec.upn ? { upn: spec.upn, assign: true, activate: spec.activate !== false } : {},
    })));
  });
  if (queue) await enqueueOperations(queue, ops);
  const byToken = new Map(ops.map((op) => [op.tokenId, op]));
  return rows.map(({ id, serial, secret }) => ({ id, serial, secret, operation: byToken.get(id)! }));
}

/** Members (not guests) of the sandbox's directory, `count` of them from `offset`. */
export function sandboxMembers(system: TestSystem, count: number, offset = 0): string[] {
  const upns = system.sandbox.inspect.users().filter((user) => user.userType !== 'Guest').slice(offset, offset + count).map((user) => user.userPrincipalName);
  if (upns.length < count) throw new Error(`the sandbox has fewer than ${offset + count} members`);
  return upns;
}
