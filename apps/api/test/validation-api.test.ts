// The TOTPRadius-compatible validation API driven as its clients drive it: over HTTP, with the key as
// `api_key=` (the appliance) or `api=` (Token2's Cloud API and its plugins), GET with query parameters and
// POST with form parameters, in each format, parsed the way those clients parse it: format 0 by PHP's own
// unserialize() (php-cli), format 2 by an XML parser, format 1 as JSON. Real Postgres and Redis; the
// validation clock is the test's, so drift and lockouts can be followed over simulated time.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, tokens } from '@tokenfleet/db';
import { base32Decode, base32Encode, totpCode, type TotpKey } from '@tokenfleet/domain';
import { eq } from 'drizzle-orm';
import { waitUntil } from '../../../test/support/wait';
import { startTestApi, type TestApi } from './helpers';

const run = promisify(execFile);

/** PHP's unserialize() of the body, handed back as JSON: what a PHP client of the appliance sees. */
async function phpUnserialize(body: string): Promise<unknown> {
  const script = '$v = unserialize(stream_get_contents(STDIN)); if ($v === false) { fwrite(STDERR, "unserialize failed"); exit(1); } echo json_encode($v);';
  const child = run('php', ['-r', script], { encoding: 'utf8' });
  child.child.stdin!.end(body);
  const { stdout } = await child;
  return JSON.parse(stdout);
}

const xml = new XMLParser({ parseTagValue: false, trimValues: false });

/** Each format parsed as its clients parse it, back to a record of fields. */
async function parseAnswer(format: number, text: string): Promise<Record<string, string>> {
  if (format === 0) return (await phpUnserialize(text)) as Record<string, string>;
  if (format === 1) return JSON.parse(text) as Record<string, string>;
  if (format === 2) {
    expect(XMLValidator.validate(text)).toBe(true);
    return xml.parse(text).result as Record<string, string>;
  }
  throw new Error(`format ${format} has no fields`);
}

let t: TestApi;
let clockMs = Date.UTC(2027, 0, 4, 9, 0, 5);
let validatorKey: string;

beforeAll(async () => {
  t = await startTestApi({ env: { VALIDATION_RATE_LIMIT: '100000' }, overrides: { clock: () => clockMs } });
  const created = await t.call('POST', '/api/v1/api-keys', { json: { name: 'radius-gw', role: 'validator' } });
  expect(created.status).toBe(201);
  validatorKey = created.body.key;
});
afterAll(async () => {
  await t?.close();
});

type Params = Record<string, string>;

/** A request as a client sends it: GET with the parameters in the query string, or POST with them as a form. */
async function wire(path: string, params: Params, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; type: string; text: string; headers: Headers }> {
  const body = new URLSearchParams(params);
  const response =
    method === 'GET'
      ? await fetch(`${t.url}${path}?${body.toString()}`)
      : await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text(), headers: response.headers };
}

const keyParam = (name: 'api_key' | 'api' = 'api_key', key = validatorKey): Params => ({ [name]: key });

/** A hardware token in the inventory, active and assigned, with its seed encrypted as imports store it. */
async function hardwareToken(upn: string, overrides: { state?: 'active' | 'disabled' | 'assigned'; purged?: boolean } = {}): Promise<{ id: string; key: TotpKey; serial: string }> {
  const id = randomUUID();
  const secretBase32 = base32Encode(Buffer.from(randomUUID().replace(/-/g, '').slice(0, 20)));
  const sealed = t.api.deps.vault.encrypt(id, secretBase32);
  const serial = `VAL-${id.slice(0, 8)}`;
  await t.api.deps.db.insert(tokens).values({
    id,
    tenantId: t.api.deps.tenant.id,
    serialNumber: serial,
    manufacturer: 'Token2',
    model: 'C202',
    displayName: 'Token2 C202',
    hashFunction: 'hmacsha1',
    state: overrides.state ?? 'active',
    assignedUpn: upn,
    ...(overrides.purged ? {} : { secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext }),
  });
  return { id, serial, key: { secret: base32Decode(secretBase32)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 } };
}

const codeOf = (key: TotpKey, offsetSteps = 0) => totpCode(key, clockMs, offsetSteps);
/** Moves the clock to the next 30 s step (plus 5 s), so a new code exists. */
const nextStep = (steps = 1) => {
  clockMs = Math.floor(clockMs / 30_000) * 30_000 + steps * 30_000 + 5_000;
};

async function validate(userid: string, token: string, extra: Params = {}, method: 'GET' | 'POST' = 'GET') {
  const answer = await wire('/validate', { ...keyParam(), userid, token, format: '1', ...extra }, method);
  return { ...answer, body: JSON.parse(answer.text) as Record<string, string> };
}

describe('createuser and validate in every format, GET and POST, api_key= and api=', () => {
  for (const method of ['GET', 'POST'] as const) {
    for (const keyName of ['api_key', 'api'] as const) {
      for (const format of [0, 1, 2]) {
        it(`${method}, ${keyName}=, format ${format}: a new user, a valid code, then a wrong one`, async () => {
          const email = `f${format}-${keyName}-${method.toLowerCase()}@contoso.example`;
          const created = await wire('/createuser', { ...keyParam(keyName), email, phone: '+41790000000', type: '0', pin: '', send: '0', format: String(format) }, method);
          expect(created.status).toBe(200);
          const user = await parseAnswer(format, created.text);
          expect(Object.keys(user).sort()).toEqual(['hash', 'hashqr', 'response', 'success', 'userid']);
          expect(user).toMatchObject({ response: 'user created', success: 'true' });
          expect(user.hash).toMatch(/^[A-Z2-7]{32}$/);
          expect(user.hashqr).toMatch(new RegExp(`^${t.url}/qr/[\\w-]+\\.png$`));
          expect(user.hashqr).not.toContain(user.hash);

          const key: TotpKey = { secret: base32Decode(user.hash!)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };
          nextStep();
          const ok = await wire('/validate', { ...keyParam(keyName), userid: user.userid!, token: codeOf(key), send: '0', format: String(format) }, method);
          expect(ok.status).toBe(200);
          expect(await parseAnswer(format, ok.text)).toEqual({ response: 'token validated', userid: user.userid, validation: 'true' });

          const wrong = await wire('/validate', { ...keyParam(keyName), userid: user.userid!, token: codeOf(key, 5), format: String(format) }, method);
          expect(wrong.status).toBe(200);
          expect(await parseAnswer(format, wrong.text)).toEqual({ response: 'invalid token', userid: user.userid, validation: 'false' });
        });
      }
    }

    it(`${method}, format 3: plain true or false and nothing else`, async () => {
      const created = await wire('/createuser', { ...keyParam('api'), email: `plain-${method}@contoso.example`, format: '1' }, method);
      const user = JSON.parse(created.text) as Record<string, string>;
      const key: TotpKey = { secret: base32Decode(user.hash!)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };
      nextStep();
      const ok = await wire('/validate', { ...keyParam('api'), userid: user.userid!, token: codeOf(key), format: '3' }, method);
      expect([ok.status, ok.text, ok.type]).toEqual([200, 'true', 'text/plain; charset=utf-8']);
      const replay = await wire('/validate', { ...keyParam('api'), userid: user.userid!, token: codeOf(key), format: '3' }, method);
      expect([replay.status, replay.text]).toEqual([200, 'false']);
      const again = await wire('/createuser', { ...keyParam('api'), email: `plain-${method}@contoso.example`, format: '3' }, method);
      expect([again.status, again.text]).toEqual([200, 'true']);
    });
  }

  it('answers format 0 by default, which PHP unserializes', async () => {
    const answer = await wire('/validate', { ...keyParam(), userid: 'nobody@contoso.example', token: '123456' });
    expect(answer.status).toBe(200);
    expect(answer.text.startsWith('a:3:{')).toBe(true);
    expect(await phpUnserialize(answer.text)).toEqual({ response: 'user not found', userid: 'nobody@contoso.example', validation: 'false' });
  });
});

describe('createuser', () => {
  it('answers the same userid for the same email (any case) with a new secret, and the QR link of the old secret stops working', async () => {
    const first = JSON.parse((await wire('/createuser', { ...keyParam(), email: 'Ada@Contoso.example', format: '1' })).text) as Record<string, string>;
    const firstQr = await fetch(first.hashqr!);
    expect(firstQr.status).toBe(200);
    expect(firstQr.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await firstQr.arrayBuffer()).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const second = JSON.parse((await wire('/createuser', { ...keyParam(), email: 'ada@contoso.example', format: '1' })).text) as Record<string, string>;
    expect(second.userid).toBe(first.userid);
    expect(second.hash).not.toBe(first.hash);
    expect(second.response).toBe('user exists; new secret issued');
    expect((await fetch(first.hashqr!)).status).toBe(404);
    expect((await fetch(second.hashqr!)).status).toBe(200);
    expect((await fetch(`${t.url}/qr/not-a-ticket-at-all-xxxx.png`)).status).toBe(404);

    // The old secret validates nothing; the new one does.
    const oldKey: TotpKey = { secret: base32Decode(first.hash!)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };
    const newKey: TotpKey = { ...oldKey, secret: base32Decode(second.hash!)! };
    nextStep();
    expect((await validate(first.userid!, codeOf(oldKey))).body.validation).toBe('false');
    expect((await validate('ADA@contoso.example', codeOf(newKey))).body).toEqual({ response: 'token validated', userid: first.userid, validation: 'true' });
  });

  it('refuses a bad email, a phone not in E.164 and a type other than 0, in the format asked for', async () => {
    const bad = await wire('/createuser', { ...keyParam(), email: 'not-an-email', format: '0' });
    expect(bad.status).toBe(400);
    expect(await phpUnserialize(bad.text)).toEqual({ response: 'email not valid', error: 'invalid_email', success: 'false' });
    const phone = await wire('/createuser', { ...keyParam(), email: 'p@contoso.example', phone: '079 000 00 00', format: '2' });
    expect(phone.status).toBe(400);
    expect(await parseAnswer(2, phone.text)).toMatchObject({ error: 'invalid_phone', success: 'false' });
    const type = await wire('/createuser', { ...keyParam(), email: 'p@contoso.example', type: '1', format: '1' });
    expect([type.status, JSON.parse(type.text).error]).toEqual([400, 'unsupported_type']);
    const missing = await wire('/createuser', { ...keyParam(), format: '3' });
    expect([missing.status, missing.text]).toEqual([400, 'false']);
  });
});

describe('keys', () => {
  it('refuses a missing, unknown or revoked key with 401 and a management key with 403, in the format asked for', async () => {
    const none = await wire('/validate', { userid: 'a@contoso.example', token: '123456', format: '1' });
    expect([none.status, JSON.parse(none.text)]).toEqual([401, { response: 'api key missing: send it as api_key= (or api=)', error: 'missing_api_key', userid: 'a@contoso.example', validation: 'false' }]);
    const unknown = await wire('/validate', { api: 'tfk_nope', userid: 'a@contoso.example', token: '123456', format: '0' });
    expect(unknown.status).toBe(401);
    expect(await phpUnserialize(unknown.text)).toMatchObject({ response: 'invalid api key', validation: 'false' });
    const management = await wire('/createuser', { api_key: t.keys.admin, email: 'm@contoso.example', format: '2' });
    expect(management.status).toBe(403);
    expect(await parseAnswer(2, management.text)).toMatchObject({ error: 'not_a_validator_key', success: 'false' });
    expect(management.text).not.toMatch(/at .*\.ts|Error:/);

    const made = await t.call('POST', '/api/v1/api-keys', { json: { name: 'short-lived', role: 'validator' } });
    expect((await wire('/validate', { api_key: made.body.key, userid: 'a@contoso.example', token: '123456', format: '3' })).status).toBe(200);
    expect((await t.call('DELETE', `/api/v1/api-keys/${made.body.id}`)).status).toBe(204);
    const revoked = await wire('/validate', { api_key: made.body.key, userid: 'a@contoso.example', token: '123456', format: '1' });
    expect([revoked.status, JSON.parse(revoked.text).response]).toEqual([401, 'api key revoked']);
  });

  it('refuses a validator key under /api/v1', async () => {
    const answer = await t.call('GET', '/api/v1/tokens', { key: validatorKey });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('validator_key');
  });

  it('limits the requests per key and second with 429 and Retry-After', async () => {
    const settings = t.api.deps.config.validation;
    const before = settings.rateLimitPerSecond;
    settings.rateLimitPerSecond = 3;
    try {
      nextStep();
      const answers = [];
      for (let i = 0; i < 5; i += 1) answers.push(await wire('/validate', { ...keyParam(), userid: 'rate@contoso.example', token: '123456', format: '1' }));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429, 429]);
      expect(JSON.parse(answers[3]!.text)).toMatchObject({ error: 'rate_limited', validation: 'false' });
      expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      clockMs += 1000;
      expect((await wire('/validate', { ...keyParam(), userid: 'rate@contoso.example', token: '123456', format: '1' })).status).toBe(200);
    } finally {
      settings.rateLimitPerSecond = before;
    }
  });
});

describe('validate against the inventory', () => {
  it('checks every usable hardware token of the email, ignoring case, and never a disabled one or one whose seed was purged', async () => {
    const upn = 'Grace.Hopper@Contoso.example';
    const active = await hardwareToken(upn);
    const disabled = await hardwareToken(upn, { state: 'disabled' });
    const purged = await hardwareToken(upn, { purged: true });
    nextStep();
    expect((await validate('grace.hopper@contoso.example', codeOf(active.key))).body).toMatchObject({ response: 'token validated', validation: 'true' });
    nextStep();
    expect((await validate('grace.hopper@contoso.example', codeOf(disabled.key))).body).toMatchObject({ response: 'invalid token', validation: 'false' });
    expect((await validate('grace.hopper@contoso.example', codeOf(purged.key))).body).toMatchObject({ validation: 'false' });

    // Reported lost through the life cycle, the active token validates nothing from that moment: the state
    // is lost at once, while its deactivation in Entra waits in the queue (no worker runs here).
    expect((await t.call('POST', `/api/v1/tokens/${active.id}/lost`, { key: t.keys.operator, json: { note: 'left on a train' } })).status).toBe(202);
    nextStep();
    expect((await validate(upn, codeOf(active.key))).body).toEqual({ response: 'user has no usable token', userid: expect.any(String), validation: 'false' });
  });

  it('skips a token whose seed does not decrypt and still checks the user\'s other tokens', async () => {
    const good = await hardwareToken('mixed@contoso.example');
    const broken = await hardwareToken('mixed@contoso.example');
    // The ciphertext of another row: it does not authenticate for this one.
    const [goodRow] = await t.api.deps.db.select({ ciphertext: tokens.secretCiphertext }).from(tokens).where(eq(tokens.id, good.id));
    await t.api.deps.db.update(tokens).set({ secretCiphertext: goodRow!.ciphertext }).where(eq(tokens.id, broken.id));
    nextStep();
    expect((await validate('mixed@contoso.example', codeOf(good.key))).body).toMatchObject({ validation: 'true' });
    const [row] = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.tokenId, good.id));
    expect(row!.detail).toMatchObject({ tokensSkipped: [`${broken.serial}: seed cannot be decrypted (authentication-failed)`] });
  });

  it('accepts exactly one of 20 simultaneous submissions of one code, and audits every one without the code', async () => {
    const token = await hardwareToken('race@contoso.example');
    nextStep();
    const code = codeOf(token.key);
    // Replays count as failures: with the default limit of 10 the user would be locked part-way, and the
    // later refusals would say so. The point here is the replay, so the limit is out of the way.
    const settings = t.api.deps.config.validation;
    const limit = settings.maxFailures;
    settings.maxFailures = 100;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => validate('race@contoso.example', code, {}, i % 2 ? 'POST' : 'GET'))).finally(() => {
      settings.maxFailures = limit;
    });
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.filter((answer) => answer.body.validation === 'true')).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.response === 'token already used')).toHaveLength(19);

    const rows = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.tokenId, token.id));
    expect(rows).toHaveLength(20);
    expect(rows.filter((row) => row.outcome === 'success')).toHaveLength(1);
    for (const row of rows) {
      expect(row).toMatchObject({ action: 'validation.checked', actor: 'api-key:radius-gw', targetType: 'validation_user' });
      expect(row.detail).toMatchObject({ keyName: 'radius-gw', client: expect.stringMatching(/127\.0\.0\.1/), serialNumber: token.serial, reason: expect.any(String) });
      expect(Object.values(row.detail ?? {})).not.toContain(code);
    }
    expect(rows.find((row) => row.outcome === 'success')!.detail).toMatchObject({ reason: 'accepted', driftSteps: 0 });
    // The token's detail lists them too.
    const listed = await t.call('GET', `/api/v1/tokens/${token.id}/validations`, { key: t.keys.viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(20);
    expect(listed.body.items.filter((item: { valid: boolean }) => item.valid)).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ keyName: 'radius-gw', email: 'race@contoso.example' });
  });

  it('locks a user after 10 consecutive failures, refuses even a right code, and lets an operator unlock', async () => {
    const token = await hardwareToken('locked@contoso.example');
    nextStep();
    const right = codeOf(token.key);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 9; i += 1) expect((await validate('locked@contoso.example', wrong)).body.response).toBe('invalid token');
    // A success before the tenth resets the count.
    expect((await validate('locked@contoso.example', right)).body.validation).toBe('true');
    for (let i = 0; i < 10; i += 1) await validate('locked@contoso.example', wrong);
    nextStep();
    expect((await validate('locked@contoso.example', codeOf(token.key))).body).toMatchObject({ response: 'user locked after too many failed validations', validation: 'false' });

    const listed = await t.call('GET', '/api/v1/validation/users?locked=true', { key: t.keys.viewer });
    const user = listed.body.items.find((item: { email: string }) => item.email === 'locked@contoso.example');
    expect(user).toMatchObject({ locked: true, failedValidations: 11, lastValidationOk: false, tokens: [{ id: token.id, usable: true }] });
    expect((await t.call('POST', `/api/v1/validation/users/${user.userid}/unlock`, { key: t.keys.viewer })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/validation/users/${user.userid}/unlock`, { key: t.keys.operator })).status).toBe(200);
    expect((await validate('locked@contoso.example', codeOf(token.key))).body.validation).toBe('true');
    const after = await t.call('GET', '/api/v1/validation/users?email=locked@', { key: t.keys.viewer });
    expect(after.body.items[0]).toMatchObject({ locked: false, failedValidations: 0, lastValidationOk: true });
  });

  it('lifts a lock by itself once the clear-timeout has passed', async () => {
    const token = await hardwareToken('timeout@contoso.example');
    nextStep();
    for (let i = 0; i < 10; i += 1) await validate('timeout@contoso.example', '000001');
    nextStep();
    expect((await validate('timeout@contoso.example', codeOf(token.key))).body.response).toBe('user locked after too many failed validations');
    // Locked at the tenth failure; 30 minutes (the default clear-timeout) later it clears by itself.
    const lockedAt = clockMs - 30_000;
    clockMs = lockedAt + 30 * 60_000 - 1;
    expect((await validate('timeout@contoso.example', codeOf(token.key))).body.validation).toBe('false');
    clockMs = lockedAt + 30 * 60_000;
    expect((await validate('timeout@contoso.example', codeOf(token.key))).body.validation).toBe('true');
  });

  it("follows a hardware token's drift over simulated years: each code a little further ahead, all accepted", async () => {
    const token = await hardwareToken('drift@contoso.example');
    // The token's clock gains one step (30 s) every 60 days; one login every 30 days for three years.
    for (let month = 1; month <= 36; month += 1) {
      clockMs += 30 * 24 * 3600 * 1000;
      nextStep();
      const ahead = Math.floor(month / 2);
      const answer = await validate('drift@contoso.example', codeOf(token.key, ahead));
      expect(answer.body, `month ${month}`).toMatchObject({ validation: 'true' });
    }
    const detail = await t.call('GET', `/api/v1/tokens/${token.id}`, { key: t.keys.viewer });
    expect(detail.body.driftSteps).toBe(18);
    // Two steps beyond the stored drift is outside the window of ±1.
    nextStep();
    expect((await validate('drift@contoso.example', codeOf(token.key, 20))).body.validation).toBe('false');
  });

  it('answers validation false with HTTP 200 for an unknown user, and 400 for a missing code, never a 5xx', async () => {
    expect((await validate('u-does-not-exist', '123456')).body).toEqual({ response: 'user not found', userid: 'u-does-not-exist', validation: 'false' });
    const missing = await wire('/validate', { ...keyParam(), userid: 'race@contoso.example', format: '0' });
    expect(missing.status).toBe(400);
    expect(await phpUnserialize(missing.text)).toMatchObject({ response: 'token missing', validation: 'false' });
    const tooLarge = await fetch(`${t.url}/validate?format=1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `userid=${'x'.repeat(20_000)}` });
    expect([tooLarge.status, await tooLarge.json()]).toEqual([413, { response: 'the form body cannot be read', error: 'invalid_body', userid: '', validation: 'false' }]);
    const badFormat = await wire('/validate', { ...keyParam(), userid: 'x', token: '1', format: '9' });
    expect(badFormat.status).toBe(400);
    expect(await phpUnserialize(badFormat.text)).toMatchObject({ error: 'invalid_format' });
  });
});

describe('the wire routes as express matched them', () => {
  const fieldsOf = async (answer: Response) => (await answer.json()) as Record<string, string>;
  it('answer any case and a trailing slash, read only form bodies, and refuse a form they cannot decode', async () => {
    const params = new URLSearchParams({ ...keyParam(), userid: 'u-nobody', token: '123456', format: '1' });
    for (const path of ['/Validate', '/validate/', '/VALIDATE/']) {
      const answer = await fetch(`${t.url}${path}?${params.toString()}`);
      expect([path, answer.status, (await fieldsOf(answer)).response]).toEqual([path, 200, 'user not found']);
    }
    // A JSON body is not a form: the parameters come from the query string alone.
    const json = await fetch(`${t.url}/validate?${params.toString()}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userid":"other"}' });
    expect((await fieldsOf(json)).userid).toBe('u-nobody');
    const form = (headers: Record<string, string>, body: string) => fetch(`${t.url}/validate?format=1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const latin1 = await form({ 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-2' }, params.toString());
    expect([latin1.status, (await fieldsOf(latin1)).error]).toEqual([400, 'invalid_body']);
    const many = await form({}, `${params.toString()}&${Array.from({ length: 60 }, (_, i) => `p${i}=1`).join('&')}`);
    expect([many.status, (await fieldsOf(many)).error]).toEqual([400, 'invalid_body']);
    const utf8 = await form({ 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, params.toString());
    expect([utf8.status, (await fieldsOf(utf8)).response]).toEqual([200, 'user not found']);
    // Other methods and paths are the rest of the API's.
    expect((await fetch(`${t.url}/validate`, { method: 'PUT' })).status).toBe(404);
  });
});

describe('listusers', () => {
  it('answers JSON: userid, username and registration time of every user', async () => {
    const answer = await wire('/api.php', { ...keyParam('api'), action: 'listusers', format: '0' });
    expect(answer.status).toBe(200);
    expect(answer.type).toContain('application/json');
    const users = JSON.parse(answer.text) as { userid: string; username: string; registered: string; timestamp: number }[];
    const ada = users.find((user) => user.username === 'Ada@Contoso.example');
    expect(ada).toMatchObject({ userid: expect.stringMatching(/^[0-9a-f]{16}$/), registered: expect.any(String), timestamp: expect.any(Number) });
    expect(Math.abs(Date.parse(ada!.registered) / 1000 - ada!.timestamp)).toBeLessThan(1);
    const wrongAction = await wire('/api.php', { ...keyParam(), action: 'deleteuser' });
    expect([wrongAction.status, JSON.parse(wrongAction.text).error]).toEqual([400, 'unknown_action']);
  });
});

describe('logs', () => {
  it('never hold a key, a code, a secret or a QR ticket', async () => {
    const created = JSON.parse((await wire('/createuser', { ...keyParam(), email: 'logs@contoso.example', format: '1' })).text) as Record<string, string>;
    await fetch(created.hashqr!);
    const key: TotpKey = { secret: base32Decode(created.hash!)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };
    nextStep();
    const code = codeOf(key);
    await validate(created.userid!, code);
    // A mistyped path carrying a key and a code reaches the request logger (the validation routes are
    // ahead of it and audited instead): it logs the path, never the query string.
    expect((await fetch(`${t.url}/validate/extra?api_key=${validatorKey}&token=${code}`)).status).not.toBe(500);
    const logs = t.logs();
    expect(logs).toContain('"route":"/validate/extra"');
    for (const secret of [validatorKey, created.hash!, created.hashqr!.split('/qr/')[1]!.replace('.png', '')]) expect(logs).not.toContain(secret);
    // A six-digit code could occur inside a timestamp by chance: look for it as a value.
    expect(logs).not.toContain(`token=${code}`);
    expect(logs).not.toContain(`"${code}"`);
  });
});

describe('the validation pool', () => {
  it('answers while every connection of the main pool is held by a long query', async () => {
    const hardware = await hardwareToken('pool@contoso.example');
    nextStep();
    // Ten statements of two seconds each: the main pool (10 connections) has none left for anything else.
    const held = Array.from({ length: 10 }, () => t.api.deps.sql`select pg_sleep(2)`.then(() => Date.now()));
    await waitUntil(
      async () => {
        const [row] = await t.api.deps.validationSql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and query = 'select pg_sleep(2)'`;
        return row!.n === 10 ? true : undefined;
      },
      { timeoutMs: 1500, intervalMs: 20, failure: () => 'the ten long queries did not all start' },
    );
    const answer = await validate('pool@contoso.example', codeOf(hardware.key));
    const answeredAt = Date.now();
    const released = Math.min(...(await Promise.all(held)));
    expect(answer.body).toMatchObject({ validation: 'true' });
    // Answered before the first long query let its connection go: not queued behind them.
    expect(answeredAt).toBeLessThan(released);
  });
});
