// `npm run build:server`: the server bundles `npm start`, `npm run start:api` and `npm run start:worker`
// run (see server-bundles.ts).
import { buildServerBundles, SERVER_BUNDLES } from './server-bundles';

const started = performance.now();
await buildServerBundles();
console.log(`server bundles built in ${Math.round(performance.now() - started)} ms: ${Object.values(SERVER_BUNDLES).map((bundle) => bundle.outfile).join(', ')}`);
