// `npm run accounts`: dashboard accounts from the command line, for the first admin on a server without
// a browser or for scripted set-ups. The password is read from standard input (never an argument, so it
// stays out of shell history and the process list).
//
//   npm run accounts -- list
//   echo "$PASSWORD" | npm run accounts -- create <username> <viewer|operator|admin>
import { asc } from 'drizzle-orm';
import { ConfigError, loadConfig } from '@tokenfleet/config';
import { NewAccount, PASSWORD_MIN_LENGTH, ROLES } from '@tokenfleet/contract';
import { accounts, createDb, runMigrations } from '@tokenfleet/db';
import { ensureAccount } from '../apps/api/src/routes/accounts';

const USAGE = 'usage: npm run accounts -- list\n       echo "$PASSWORD" | npm run accounts -- create <username> <viewer|operator|admin>';

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Password (at least ${PASSWORD_MIN_LENGTH} characters), then Enter: `);
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function main(args: string[]): Promise<number> {
  const [command, username, role] = args;
  const config = loadConfig();
  await runMigrations(config.databaseUrl);
  const { db, close } = createDb(config.databaseUrl, { max: 1, applicationName: 'tokenfleet-accounts' });
  try {
    if (command === 'list') {
      const rows = await db.select().from(accounts).orderBy(asc(accounts.username));
      for (const row of rows) console.log(`${row.username.padEnd(32)} ${row.role.padEnd(9)} ${row.disabledAt ? 'disabled' : 'active'}`);
      return 0;
    }
    if (command === 'create' && username && role) {
      if (!(ROLES as readonly string[]).includes(role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
      // The rules of an account made through the API (packages/contract), checked the same way.
      const checked = NewAccount.safeParse({ username, password: await readPassword(), role });
      if (!checked.success) throw new Error(checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      const created = await ensureAccount(db, checked.data);
      console.log(created ? `created ${role} ${username}` : `an account named ${username} exists already; nothing changed`);
      return created ? 0 : 1;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
