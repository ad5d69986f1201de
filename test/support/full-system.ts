// The whole system for end-to-end tests: the sandbox over HTTPS (also the OpenID provider the API's Sign
// in with Microsoft uses), the API and (unless a test runs its own, e.g. as a child process to kill) the worker, on a database and Redis prefix of the file's own.
// Tests drive it over HTTP with an admin API key, as an operator's script would.
import { randomBytes } from 'node:crypto';
import { startApi, type RunningApi } from '../../apps/api/src/start';
import { startWorker, type RunningWorker, type WorkerOverrides } from '../../apps/worker/src/start-worker';
import { sandboxSignIn } from './sign-in';
import { startTestSystem, type TestSystem, type TestSystemOptions } from './system';
import { waitUntil } from './wait';

export interface FullSystem extends TestSystem {
  api: RunningApi;
  worker: RunningWorker | undefined;
  apiKey: string;
  /** fetch against the API with the admin key. */
  call(path: string, init?: RequestInit): Promise<Response>;
  /** Uploads a seed file; answers the import id. */
  upload(fileName: string, content: string | Buffer, fields?: Record<string, string>): Promise<string>;
  /** Waits until the import has finished (every operation it started has ended); returns its summary. */
  waitForImport(importId: string, timeoutMs: number): Promise<ImportSummary>;
  startWorker(): Promise<RunningWorker>;
}

export interface ImportSummary {
  id: string;
  status: string;
  totalRows: number;
  validRows: number;
  rejectedRows: number;
  duplicateRows: number;
  progress: Record<string, number>;
  tokensByState: Record<string, number>;
}

export async function startFullSystem(
  options: TestSystemOptions & { worker?: boolean; workerOverrides?: WorkerOverrides } = {},
): Promise<FullSystem> {
  const apiKey = `tf-admin-${randomBytes(24).toString('base64url')}`;
  const system = await startTestSystem({ ...options, env: { TOKENFLEET_BOOTSTRAP_API_KEY: apiKey, ...options.env } });
  const signIn = sandboxSignIn(system.sandbox);
  const api = await startApi(system.config, { port: 0, host: '127.0.0.1', env: system.env, graph: system.graph, queuePrefix: system.prefix, signIn: () => signIn });
  const start = () => startWorker(system.config, { graph: system.graph, env: system.env, reconcileEveryMs: 5_000, reconcileGraceMs: 10_000, ...options.workerOverrides });
  let worker = options.worker === false ? undefined : await start();
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...(init.headers as Record<string, string> | undefined) } });

  return {
    ...system,
    api,
    get worker() {
      return worker;
    },
    apiKey,
    call,
    async upload(fileName, content, fields = {}) {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([content]), fileName);
      const response = await call('/api/v1/imports', { method: 'POST', body: form });
      const body = (await response.json()) as { id?: string; error?: unknown };
      if (response.status !== 202 || !body.id) throw new Error(`upload of ${fileName} answered ${response.status}: ${JSON.stringify(body)}`);
      return body.id;
    },
    async waitForImport(importId, timeoutMs) {
      let summary: ImportSummary | undefined;
      return waitUntil(
        async () => {
          summary = (await (await call(`/api/v1/imports/${importId}`)).json()) as ImportSummary;
          return ['completed', 'completed_with_errors', 'failed'].includes(summary.status) ? summary : undefined;
        },
        { timeoutMs, intervalMs: 500, failure: () => `import ${importId} still ${summary?.status} after ${timeoutMs} ms: ${JSON.stringify(summary?.progress)}` },
      );
    },
    async startWorker() {
      worker = await start();
      return worker;
    },
    async stop() {
      await worker?.close(5_000);
      await api.close();
      await system.stop();
    },
  };
}
