// `npm run check`: the static checks (type check of the workspace, of the dashboard, and lint) side by
// side, as their own processes, each one's output printed whole when it ends. Fails when any fails.
// With `--cached` (what `npm run test:fast` passes) tsc works incrementally and ESLint keeps a cache, both
// in node_modules/.cache/tokenfleet, so a second run re-checks only what changed; `npm test` and CI run
// them cold.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const CACHE = 'node_modules/.cache/tokenfleet';
const cached = process.argv.includes('--cached');
if (cached) mkdirSync(CACHE, { recursive: true });

const incremental = (name: string) => (cached ? ['--incremental', '--tsBuildInfoFile', `${CACHE}/${name}.tsbuildinfo`] : []);

const checks: { name: string; command: string; args: string[] }[] = [
  { name: 'type check', command: 'node_modules/.bin/tsc', args: ['-p', 'tsconfig.json', '--noEmit', ...incremental('tsc-workspace')] },
  { name: 'type check (dashboard)', command: 'node_modules/.bin/tsc', args: ['-p', 'apps/dashboard/tsconfig.json', '--noEmit', ...incremental('tsc-dashboard')] },
  { name: 'lint', command: 'node_modules/.bin/eslint', args: [...(cached ? ['--cache', '--cache-strategy', 'content', '--cache-location', `${CACHE}/eslint`] : []), '.'] },
];

function run(check: (typeof checks)[number]): Promise<boolean> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(check.command, check.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n== ${check.name}: ${code === 0 ? 'ok' : 'FAILED'} (${seconds} s)\n${Buffer.concat(output).toString('utf8')}`);
      resolve(code === 0);
    });
  });
}

const results = await Promise.all(checks.map(run));
process.exitCode = results.every(Boolean) ? 0 : 1;
