// The audit trail is append-only in the database: whatever the application does (or a person at psql
// does), rows can be added but never changed, removed or truncated away.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { appendAudit, appendAuditMany } from '../src/audit';
import type { AuditEventInput } from '../src/audit';
import { auditEvents } from '../src/schema';
import type { AuditOutcome } from '../src/schema';
import { useTestDatabase } from './fixtures';

const testDatabase = useTestDatabase();

function event(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return { actor: 'worker', action: 'graph.call', outcome: 'success', tenantId: 'acme', ...overrides };
}

async function auditCount(): Promise<number> {
  const [row] = await testDatabase.client.sql<{ count: number }[]>`select count(*)::int as count from audit_events`;
  return row!.count;
}

describe('appendAudit', () => {
  it('writes one event with every field and returns the stored row', async () => {
    const tokenId = randomUUID();
    const operationId = randomUUID();
    const row = await appendAudit(
      testDatabase.client.db,
      event({
        tokenId,
        operationId,
        targetType: 'token',
        targetId: tokenId,
        graphStatus: 429,
        graphRequestId: 'req-1',
        durationMs: 120,
        outcome: 'failure',
        detail: { retryAfterSeconds: 5, code: 'tooManyRequests' },
      }),
    );
    expect(row.id).toBeGreaterThan(0);
    expect(row.at).toBeInstanceOf(Date);
    const [stored] = await testDatabase.client.db.select().from(auditEvents).where(eq(auditEvents.id, row.id));
    expect(stored).toMatchObject({
      tokenId,
      operationId,
      graphStatus: 429,
      graphRequestId: 'req-1',
      outcome: 'failure',
      detail: { retryAfterSeconds: 5, code: 'tooManyRequests' },
      durationMs: 120,
      targetType: 'token',
      targetId: tokenId,
      at: row.at,
    });
    // The detail is a JSON object to the database (queries filter on its fields), not a JSON string.
    const [shape] = await testDatabase.client.sql<{ kind: string }[]>`select jsonb_typeof(detail) as kind from audit_events where id = ${row.id}`;
    expect(shape!.kind).toBe('object');

    // A time given is the time stored; none, the database's now().
    const at = new Date('2026-01-02T03:04:05.678Z');
    const dated = await appendAudit(testDatabase.client.db, event({ at, detail: null }));
    expect(dated.at.toISOString()).toBe(at.toISOString());
    const [bare] = await testDatabase.client.db.select().from(auditEvents).where(eq(auditEvents.id, dated.id));
    expect(bare).toMatchObject({ at, detail: null, tokenId: null, graphStatus: null });
  });

  it('commits or rolls back with the caller’s transaction', async () => {
    const before = await auditCount();
    const abandoned = new Error('abandon');
    await expect(
      testDatabase.client.db.transaction(async (tx) => {
        await appendAudit(tx, event({ action: 'token.created' }));
        throw abandoned;
      }),
    ).rejects.toBe(abandoned);
    expect(await auditCount()).toBe(before);
  });

  it('refuses detail fields that would hold a secret, at any depth, naming only the field', async () => {
    const code = '492039';
    const before = await auditCount();
    await expect(
      appendAudit(testDatabase.client.db, event({ detail: { request: { body: { verificationCode: code } } } })),
    ).rejects.toThrow('Audit detail field detail.request.body.verificationCode looks like a secret');
    await expect(appendAudit(testDatabase.client.db, event({ detail: { items: [{ secret_key: 'x' }] } }))).rejects.toThrow(
      /detail\.items\[0\]\.secret_key/,
    );
    expect(await auditCount()).toBe(before);
  });
});

describe('appendAuditMany', () => {
  it('writes every event of a batch larger than one statement can carry', async () => {
    const importId = randomUUID();
    const batch = Array.from({ length: 4500 }, (_, index) => event({ importId, targetId: String(index) }));
    expect(await appendAuditMany(testDatabase.client.db, batch)).toBe(4500);
    const [row] = await testDatabase.client.sql<{ count: number }[]>`
      select count(*)::int as count from audit_events where import_id = ${importId}`;
    expect(row!.count).toBe(4500);
  });

  it('writes none of a multi-statement batch when the database refuses its last row', async () => {
    const before = await auditCount();
    const batch = Array.from({ length: 4500 }, () => event());
    // An outcome the CHECK constraint refuses, in the last of the three INSERT statements.
    batch[4499] = event({ outcome: 'maybe' as AuditOutcome });
    await expect(appendAuditMany(testDatabase.client.db, batch)).rejects.toThrow();
    expect(await auditCount()).toBe(before);
  });

  it('writes nothing when one event of a batch is refused', async () => {
    const before = await auditCount();
    await expect(
      appendAuditMany(testDatabase.client.db, [event(), event({ detail: { seed: 'JBSWY3DP' } })]),
    ).rejects.toThrow(/detail\.seed/);
    expect(await auditCount()).toBe(before);
  });
});

describe('audit_events in the database', () => {
  it('still accepts INSERT from plain SQL', async () => {
    const before = await auditCount();
    await testDatabase.client.sql`insert into audit_events (actor, action, outcome) values ('user:alice', 'token.viewed', 'info')`;
    expect(await auditCount()).toBe(before + 1);
  });

  it('refuses UPDATE, DELETE and TRUNCATE, and the rows survive', async () => {
    const row = await appendAudit(testDatabase.client.db, event({ action: 'token.activated' }));
    const [written] = await testDatabase.client.db.select().from(auditEvents).where(eq(auditEvents.id, row.id));
    const before = await auditCount();
    const { sql } = testDatabase.client;
    await expect(sql`update audit_events set outcome = 'failure' where id = ${row.id}`).rejects.toThrow(
      'audit_events is append-only: UPDATE is not allowed',
    );
    await expect(sql`delete from audit_events where id = ${row.id}`).rejects.toThrow(
      'audit_events is append-only: DELETE is not allowed',
    );
    await expect(sql`truncate audit_events`).rejects.toThrow('audit_events is append-only: TRUNCATE is not allowed');
    await expect(testDatabase.client.db.update(auditEvents).set({ actor: 'someone-else' })).rejects.toThrow();
    expect(await auditCount()).toBe(before);
    const [unchanged] = await testDatabase.client.db.select().from(auditEvents).where(eq(auditEvents.id, row.id));
    expect(unchanged).toEqual(written);
  });

  it('keeps refusing when a session turns ordinary triggers off with session_replication_role', async () => {
    const row = await appendAudit(testDatabase.client.db, event());
    const attempt = testDatabase.client.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`delete from audit_events where id = ${row.id}`;
    });
    await expect(attempt).rejects.toThrow('audit_events is append-only: DELETE is not allowed');
    const [still] = await testDatabase.client.db.select().from(auditEvents).where(eq(auditEvents.id, row.id));
    expect(still).toBeDefined();
  });
});
