// `npm run accounts`: dashboard accounts from the command line, for the first admin on a server without
// a browser or for scripted set-ups. The password is read from standard input (never an argument, so it
// stays out of shell history and the process list).
//
//   npm run accounts -- list
//   echo "$PASSWORD" | npm run accounts -- create <username> <viewer|operator|admin>
import { asc } from 'drizzle-orm';
import { ConfigError, loadConfig } from '@tokenfleet/config';
import { accounts, API_KEY_ROLES, createDb, runMigrations } from '@tokenfleet/db';
import { ensureAccount } from '../apps/api/src/routes/accounts';

const USAGE = 'usage: npm run accounts -- list\n       echo "$PASSWORD" | npm run accounts -- create <username> <viewer|operator|admin>';

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (at least 12 characters), then Enter: ');
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
      if (!(API_KEY_ROLES as readonly string[]).includes(role)) throw new Error(`role must be one of ${API_KEY_ROLES.join(', ')}`);
      const password = await readPassword();
      if (password.length < 12) throw new Error('the password must be at least 12 characters');
      const created = await ensureAccount(db, { username, password, role: role as (typeof API_KEY_ROLES)[number] });
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
