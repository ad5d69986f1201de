/* global process, console, URL */
// Runs after `npm ci` / `npm install` (the root package's postinstall). postgres.js 3.4.x defers small
// writes to a setImmediate; when the connection closes before it runs (a database restart, a dropped
// connection: exactly the outages the worker must ride out), the deferred write meets a null socket
// and throws outside any promise, which ends the whole process (upstream issues porsager/postgres#1154
// and #1208, unfixed in the newest release). The guard makes that write settle the connection's pending
// query with CONNECTION_CLOSED instead, which Tokenfleet treats as "PostgreSQL is away". And a teardown
// that cancels the deferred write now also forgets it, or the reconnected connection would never write
// again (its queries would hang).
//
// A second patch mends its queue (src/queue.js), the list each pool keeps of its connections by state. Its
// shift leaves a hole at the front and forgets the holes only when the queue runs empty; the pool's
// "busy" queue, with two or more connections taking statements in turn, never does under steady load.
// So the list grew by one entry per statement, and every move of a connection between queues searched it
// from the start: 60,000 entries after 60,000 statements, and postgres.js's CPU per statement doubled
// within 240,000 (`npx tsx bench/postgres-queue.ts` shows it, and that the patch keeps it flat). The
// patched queue searches from its front only and drops the holes once they are half of it.
//
// It edits the installed copy only, is idempotent, and says so when a release no longer needs it.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../node_modules/postgres/', import.meta.url));
const MARK = '/* tokenfleet: guarded nextWrite */';
const UNGUARDED = 'function nextWrite(fn) {\n    const x = socket.write(chunk, fn)';
const GUARDED = `function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      errored(Errors.connection('CONNECTION_CLOSED', options, socket))\n      return false\n    }\n    const x = socket.write(chunk, fn)`;

if (!existsSync(root)) process.exit(0);

/**
 * Applies one patch to the ESM and the CommonJS copy of a file: skipped where its mark is already in,
 * a warning where the released text it replaces is not there (a release changed it), else written.
 */
function patch({ file, mark, needs, apply, stale, done }) {
  for (const copy of [`src/${file}`, `cjs/src/${file}`]) {
    const path = `${root}${copy}`;
    if (!existsSync(path)) continue;
    const source = readFileSync(path, 'utf8');
    if (source.includes(mark)) continue;
    if (!needs.every((text) => source.includes(text))) {
      console.warn(`patch-postgres: ${copy} ${stale}`);
      continue;
    }
    writeFileSync(path, apply(source));
    console.log(`patch-postgres: ${done} in postgres/${copy}`);
  }
}

const TEARDOWN = '\n    clearImmediate(nextWriteTimer)\n';
patch({
  file: 'connection.js',
  mark: MARK,
  needs: [UNGUARDED],
  apply: (source) => source.replace(UNGUARDED, GUARDED).replaceAll(TEARDOWN, `${TEARDOWN}    chunk = nextWriteTimer = null\n`),
  stale: 'has no unguarded nextWrite any more; the guard is not needed (remove it from scripts/patch-postgres.mjs)',
  done: 'guarded nextWrite against a closed connection',
});

const QUEUE_MARK = '/* tokenfleet: queue without holes */';
const SCANNING_REMOVE = `    remove: (x) => {
      const index = xs.indexOf(x)
      return index === -1
        ? null
        : (xs.splice(index, 1), x)
    },`;
const FRONT_REMOVE = `    remove: (x) => {
      ${QUEUE_MARK}
      const at = xs.indexOf(x, index)
      return at === -1
        ? null
        : (xs.splice(at, 1), x)
    },`;
const HOLE_KEEPING_SHIFT = `      } else {
        xs[index - 1] = undefined
      }`;
const COMPACTING_SHIFT = `      } else if (index >= 64 && index * 2 >= xs.length) {
        xs = xs.slice(index)
        index = 0
      } else {
        xs[index - 1] = undefined
      }`;
patch({
  file: 'queue.js',
  mark: QUEUE_MARK,
  needs: [SCANNING_REMOVE, HOLE_KEEPING_SHIFT],
  apply: (source) => source.replace(SCANNING_REMOVE, FRONT_REMOVE).replace(HOLE_KEEPING_SHIFT, COMPACTING_SHIFT),
  stale: 'is not the queue this patch mends; check whether its holes are still kept (scripts/patch-postgres.mjs)',
  done: 'the queue no longer grows with every statement',
});
