// `npm run sandbox`: the Entra + Graph simulator on its own, configured by SANDBOX_* variables
// (README.md lists them). It keeps its CA and client secret in SANDBOX_STATE_DIR so clients that
// trusted it once keep trusting it.
import { startSandbox } from './sandbox';
import { sandboxBanner, standaloneOptionsFromEnv } from './standalone';

const { options, problems } = await standaloneOptionsFromEnv(process.env, process.cwd());
if (problems.length > 0) {
  console.error(`SANDBOX not started; fix these settings:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}

const sandbox = await startSandbox({
  ...options,
  logger: {
    info: (...args: unknown[]) => console.log('[SANDBOX]', ...args.filter((arg) => typeof arg === 'string')),
    warn: (...args: unknown[]) => console.warn('[SANDBOX]', ...args),
    error: (...args: unknown[]) => console.error('[SANDBOX]', ...args),
  },
});
console.log(sandboxBanner(sandbox));

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`[SANDBOX] ${signal}: stopping`);
  sandbox.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('[SANDBOX] failed to stop cleanly', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
