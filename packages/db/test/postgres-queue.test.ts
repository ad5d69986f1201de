// postgres.js's pool queue as scripts/patch-postgres.mjs leaves it (that script says why): the installed
// copy is the patched one, it keeps its order through the pool's own pattern of moves, and a search never
// walks what was already taken from the front (which, unpatched, grew by one entry per statement).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const installed = new URL('../../../node_modules/postgres/', import.meta.url);
const queueUrl = new URL('src/queue.js', installed);

interface Queue<T> {
  readonly length: number;
  push(x: T): T;
  shift(): T | undefined;
  remove(x: T | undefined): T | null | undefined;
}

async function newQueue<T>(initial: T[] = []): Promise<Queue<T>> {
  const { default: Queue } = (await import(queueUrl.href)) as { default: (initial?: T[]) => Queue<T> };
  return Queue(initial);
}

describe("postgres.js's pool queue", () => {
  it('is the patched copy, in the ESM build and the CommonJS one', () => {
    for (const file of ['src/queue.js', 'cjs/src/queue.js']) {
      expect(readFileSync(new URL(file, installed), 'utf8'), file).toContain('tokenfleet: queue without holes');
    }
  });

  it("keeps two busy connections in turn through 100,000 of the pool's moves, and searches only what it holds", async () => {
    const busy = await newQueue<string>();
    busy.push('a');
    busy.push('b');
    const order: string[] = [];
    for (let statement = 0; statement < 100_000; statement += 1) {
      // What the pool does with a statement when every connection is busy: take the first one, "move" it
      // out of the queue it was just taken from (a no-op), and put it back at the end.
      const connection = busy.shift()!;
      expect(busy.remove(connection)).toBeNull();
      busy.push(connection);
      if (statement < 4) order.push(connection);
    }
    expect(order).toEqual(['a', 'b', 'a', 'b']);
    expect(busy.length).toBe(2);
    // Only the taken-out front held holes; a search that reached them would find one here.
    expect(busy.remove(undefined)).toBeNull();
    // A connection leaving for another queue is found and taken out, and the rest keep their order.
    busy.push('c');
    expect(busy.remove('b')).toBe('b');
    expect([busy.shift(), busy.shift(), busy.shift(), busy.length]).toEqual(['a', 'c', undefined, 0]);
  });

  it('gives its items back in order while it drops the holes along the way', async () => {
    const queue = await newQueue<number>([0, 1, 2]);
    let next = 3;
    let expected = 0;
    // A steady backlog (the holes soon outnumber the items, and are dropped), then a growing one.
    for (let round = 0; round < 20_000; round += 1) {
      queue.push(next++);
      if (round >= 10_000) queue.push(next++);
      expect(queue.shift()).toBe(expected++);
    }
    expect(queue.length).toBe(next - expected);
    while (queue.length > 0) expect(queue.shift()).toBe(expected++);
    expect(expected).toBe(next);
  });
});
