// A token's detail page polls GET /tokens/:id while the token has an unfinished operation and stops when
// none is left. So the answer must show the token and its operations as of one moment: a token read just
// before a job committed its step, with the operations read just after, says "still active, nothing under
// way", and the page stops following a token that is in fact disabled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { operations, tokens } from '@tokenfleet/db';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;

beforeAll(async () => {
  t = await startTestApi();
  const answer = await t.upload(t.keys.operator, { name: 'token2-classic.csv', content: sampleFile('token2-classic.csv') }, { mode: 'import' });
  expect(answer.status).toBe(202);
});
afterAll(async () => {
  await t?.close();
});

describe('a token with its operations', () => {
  it('is answered as of one moment while a job records its step again and again', async () => {
    const db = t.api.deps.db;
    const [token] = await db.select().from(tokens).where(eq(tokens.serialNumber, '602345670001'));
    const [create] = await db.select().from(operations).where(and(eq(operations.tokenId, token!.id), eq(operations.kind, 'token.create')));
    expect(create?.status).toBe('queued');

    // What a job's finishing transaction does, over and over: the token's state and its operation's
    // status change together, in one commit each way.
    let flipping = true;
    let commits = 0;
    const flipper = (async () => {
      for (let done = false; flipping; done = !done) {
        await db.transaction(async (tx) => {
          await tx.update(tokens).set({ state: done ? 'created' : 'imported' }).where(eq(tokens.id, token!.id));
          await tx.update(operations).set({ status: done ? 'succeeded' : 'queued' }).where(eq(operations.id, create!.id));
        });
        commits += 1;
      }
    })();

    const torn: string[] = [];
    try {
      for (let read = 0; read < 400; read += 1) {
        const answer = await t.call('GET', `/api/v1/tokens/${token!.id}`);
        expect(answer.status).toBe(200);
        const status = (answer.body.operations as { id: string; status: string }[]).find((operation) => operation.id === create!.id)?.status;
        const consistent = (answer.body.state === 'imported' && status === 'queued') || (answer.body.state === 'created' && status === 'succeeded');
        if (!consistent) torn.push(`${answer.body.state} with the create ${status}`);
      }
    } finally {
      flipping = false;
      await flipper;
    }
    // The reads overlapped the commits (else the check proves nothing).
    expect(commits).toBeGreaterThan(100);
    expect(torn).toEqual([]);
  });
});
