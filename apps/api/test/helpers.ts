// Starts the real API for a test file: its own migrated database, its own Redis key prefix, port 0, a
// fresh master key, and one API key per role. Requests go over HTTP with fetch, and every answer is
// checked against the OpenAPI document (contract-check.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, loadConfig } from '@tokenfleet/config';
import { apiKeys } from '@tokenfleet/db';
import { createTestDatabase, testRedisPrefix, testServices } from '@tokenfleet/test-harness';
import { generateApiKey, startApi, type RunningApi, type StartApiOverrides } from '../src/index';
import { checkAnswer } from './contract-check';

export type RoleKeys = Record<'admin' | 'operator' | 'viewer', string>;

export interface TestApi {
  api: RunningApi;
  url: string;
  keys: RoleKeys;
  queuePrefix: string;
  /** Every log line the API wrote, as text (for redaction checks). */
  logs: () => string;
  call: (method: string, path: string, options?: { key?: string | null; json?: unknown; headers?: Record<string, string> }) => Promise<Answer>;
  upload: (key: string, file: { name: string; content: Buffer | string }, fields?: Record<string, string>, fieldsAfterFile?: Record<string, string>, query?: Record<string, string>) => Promise<Answer>;
  close: () => Promise<void>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // Tests read into answers freely; the status assertion next to each read is what guards the shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text;
  if (response.headers.get('content-type')?.includes('application/json') && text) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, text, body };
}

export async function startTestApi(options: { env?: Record<string, string>; overrides?: StartApiOverrides; logLevel?: 'info' | 'debug' } = {}): Promise<TestApi> {
  const database = await createTestDatabase();
  const { redisUrl } = testServices();
  const config = loadConfig({ DATABASE_URL: database.url, REDIS_URL: redisUrl, LOG_LEVEL: 'info', TOKENFLEET_STATE_DIR: `/tmp/tf-api-test-${randomUUID()}`, ...options.env });
  const logLines: string[] = [];
  const logger = createLogger(
    { level: options.logLevel ?? 'info', name: 'api', mode: config.mode },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    }),
  );
  const queuePrefix = testRedisPrefix('api');
  const api = await startApi(config, {
    port: 0,
    host: '127.0.0.1',
    logger,
    queuePrefix,
    skipMigrations: true,
    env: { TOKENFLEET_MASTER_KEY: randomBytes(32).toString('base64') },
    ...options.overrides,
  });

  const keys = {} as RoleKeys;
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    const generated = generateApiKey();
    await api.deps.db.insert(apiKeys).values({ id: randomUUID(), name: `${role}-key`, role, keyHash: generated.keyHash, keyPrefix: generated.keyPrefix });
    keys[role] = generated.key;
  }

  const call: TestApi['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = { ...callOptions.headers };
    const key = callOptions.key === undefined ? keys.admin : callOptions.key;
    if (key) headers.authorization = `Bearer ${key}`;
    if (callOptions.json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${api.url}${path}`, { method, headers, ...(callOptions.json !== undefined ? { body: JSON.stringify(callOptions.json) } : {}) });
    const answer = await answerOf(response);
    checkAnswer(method, path, answer);
    return answer;
  };

  const upload: TestApi['upload'] = async (key, file, fields = {}, fieldsAfterFile = {}, query = {}) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([file.content]), file.name);
    for (const [name, value] of Object.entries(fieldsAfterFile)) form.append(name, value);
    const search = new URLSearchParams(query).toString();
    const response = await fetch(`${api.url}/api/v1/imports${search ? `?${search}` : ''}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    const answer = await answerOf(response);
    checkAnswer('POST', '/api/v1/imports', answer);
    return answer;
  };

  return {
    api,
    url: api.url,
    keys,
    queuePrefix,
    logs: () => logLines.join(''),
    call,
    upload,
    close: async () => {
      await api.close();
      await database.drop();
    },
  };
}
