// Bundles the server entry points to plain JavaScript, so `npm start`, `npm run start:api` and
// `npm run start:worker` run under node alone: no TypeScript compiler in the running process (tsx's
// loader thread costs about 45 MB of resident memory and start-up time). The workspace packages are
// bundled in; everything from node_modules stays an import, resolved at run time as before.
//
// Each bundle sits at the same depth below the repository root as the sources it comes from (two
// folders down), because two modules find files relative to their own URL: packages/db/src/migrate.ts
// (../../../drizzle) and apps/api/src/dashboard.ts (../../dashboard/dist). Under apps/<part>/dist both
// resolve exactly as they do from source.
//
// The bundles are not minified, so stack traces name the functions; their source maps are written beside
// them for `NODE_OPTIONS=--enable-source-maps`, which is not on by default: it costs the API about 25 MB
// of resident memory (bench/import-memory.ts).
//
// `npm run build:server` runs it; tests and benchmarks that start a part as its own process call it too,
// so they run what `npm start` runs.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Output (relative to the repository root) → entry point. */
export const SERVER_BUNDLES = {
  /** `npm start`: sandbox (when no tenant is configured), worker and API in one process. */
  all: { outfile: 'apps/api/dist/tokenfleet.mjs', entry: 'scripts/start-all.ts' },
  /** `npm run start:api` */
  api: { outfile: 'apps/api/dist/main.mjs', entry: 'apps/api/src/main.ts' },
  /** `npm run start:worker` */
  worker: { outfile: 'apps/worker/dist/main.mjs', entry: 'apps/worker/src/main.ts' },
} as const;

/** The absolute path of a bundle, to hand to `node`. */
export const serverBundlePath = (part: keyof typeof SERVER_BUNDLES): string => fileURLToPath(new URL(`../${SERVER_BUNDLES[part].outfile}`, import.meta.url));

export async function buildServerBundles(): Promise<void> {
  await Promise.all(
    Object.values(SERVER_BUNDLES).map(({ outfile, entry }) =>
      build({
        absWorkingDir: root,
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20.19',
        sourcemap: 'linked',
        logLevel: 'warning',
        plugins: [
          {
            name: 'node-modules-stay-imports',
            setup(bundler) {
              // A bare specifier is a package: ours (@tokenfleet/*) are bundled, the rest are imported.
              bundler.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@tokenfleet/') ? undefined : { path: args.path, external: true }));
            },
          },
        ],
      }),
    ),
  );
}
