// drizzle-kit configuration: `npm run db:generate` diffs packages/db/src/schema.ts against the snapshots in
// drizzle/meta and writes the next SQL migration. Generating needs no database; the URL only serves
// drizzle-kit's own commands that talk to one (studio, check against a live schema).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/db/src/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet' },
  strict: true,
  verbose: true,
});
