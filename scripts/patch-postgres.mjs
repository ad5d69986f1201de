/* global process, console, URL */
// Runs after `npm ci` / `npm install` (the root package's postinstall). postgres.js 3.4.x defers small
// writes to a setImmediate; when the connection closes before it runs (a database restart, a dropped
// connection: exactly the outages the worker must ride out), the deferred write meets a null socket
// and throws outside any promise, which ends the whole process (upstream issues porsager/postgres#1154
// and #1208, unfixed in the newest release). The guard makes that write settle the connection's pending
// query with CONNECTION_CLOSED instead, which Tokenfleet treats as "PostgreSQL is away". And a teardown
// that cancels the deferred write now also forgets it, or the reconnected connection would never write
// again (its queries would hang).
// It edits the installed copy only, is idempotent, and says so when a release no longer needs it.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../node_modules/postgres/', import.meta.url));
const MARK = '/* tokenfleet: guarded nextWrite */';
const UNGUARDED = 'function nextWrite(fn) {\n    const x = socket.write(chunk, fn)';
const GUARDED = `function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      errored(Errors.connection('CONNECTION_CLOSED', options, socket))\n      return false\n    }\n    const x = socket.write(chunk, fn)`;

if (!existsSync(root)) process.exit(0);
for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
  const path = `${root}${file}`;
  if (!existsSync(path)) continue;
  const source = readFileSync(path, 'utf8');
  if (source.includes(MARK)) continue;
  if (!source.includes(UNGUARDED)) {
    console.warn(`patch-postgres: ${file} has no unguarded nextWrite any more; the guard is not needed (remove scripts/patch-postgres.mjs)`);
    continue;
  }
  const teardown = '\n    clearImmediate(nextWriteTimer)\n';
  writeFileSync(path, source.replace(UNGUARDED, GUARDED).replaceAll(teardown, `${teardown}    chunk = nextWriteTimer = null\n`));
  console.log(`patch-postgres: guarded nextWrite in postgres/${file} against a closed connection`);
}
