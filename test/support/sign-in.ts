// Sign in with Microsoft against the sandbox without a browser, as a browser would go: the API's start
// route, the sandbox's authorize page (a demo user picked), the redirect back to the API's callback with
// the state cookie. Answers what the callback answered, so tests can check both the sessions and the
// refusals. Used by the API's sign-in and portal tests.
import https from 'node:https';
import type { Sandbox } from '@tokenfleet/entra-sandbox';
import { EntraSignIn } from '@tokenfleet/graph';

/** The sign-in client of a Tokenfleet API pointed at a test's sandbox (its CA trusted explicitly). */
export function sandboxSignIn(sandbox: Sandbox, now?: () => number): EntraSignIn {
  return new EntraSignIn({
    tenantId: sandbox.tenantId,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    authorityHost: sandbox.origin,
    caCertificatePem: sandbox.caCertificatePem,
    timeoutMs: 10_000,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    ...(now ? { now } : {}),
  });
}

interface Answer {
  status: number;
  location: string | null;
  cookies: string[];
  text: string;
}

function sandboxRequest(sandbox: Sandbox, url: string, method: 'GET' | 'POST', form?: Record<string, string>): Promise<Answer> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca: sandbox.caCertificatePem, headers: body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? null, cookies: response.headers['set-cookie'] ?? [], text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function apiRequest(url: string, cookie?: string): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: response.status, location: response.headers.get('location'), cookies: response.headers.getSetCookie(), text: await response.text() };
}

const cookiePair = (cookies: string[], name: string) => cookies.map((cookie) => cookie.split(';')[0]!).find((pair) => pair.startsWith(`${name}=`) && pair.length > name.length + 1);

export interface SandboxSignIn {
  /** The callback's answer: 302 to the dashboard or /my on success, else the refusal page. */
  status: number;
  location: string | null;
  text: string;
  /** `tf_session=…` or `tf_my_session=…`, ready for a Cookie header, when a session began. */
  sessionCookie: string | undefined;
}

/** Signs a sandbox demo user in through the API at `apiUrl` (`to: 'my'` for the self-service portal). */
export async function signInWithSandbox(apiUrl: string, sandbox: Sandbox, upn: string, options: { to?: 'my'; tamperState?: boolean; cancel?: boolean } = {}): Promise<SandboxSignIn> {
  const user = sandbox.inspect.users().find((candidate) => candidate.userPrincipalName.toLowerCase() === upn.toLowerCase());
  if (!user) throw new Error(`the sandbox has no user ${upn}`);
  const start = await apiRequest(`${apiUrl}/auth/microsoft/start${options.to ? `?to=${options.to}` : ''}`);
  if (start.status !== 302 || !start.location) throw new Error(`sign-in start answered ${start.status}: ${start.text.slice(0, 300)}`);
  const stateCookie = cookiePair(start.cookies, 'tf_oidc_state');
  const page = await sandboxRequest(sandbox, start.location, 'GET');
  if (page.status !== 200 || !page.text.includes(user.id)) throw new Error(`the sandbox's sign-in page answered ${page.status} without ${upn}`);
  // Cancel: the person closes the page with "Cancel" instead of picking an account.
  const picked = options.cancel ? await sandboxRequest(sandbox, `${start.location}&cancel=1`, 'GET') : await sandboxRequest(sandbox, start.location, 'POST', { user: user.id });
  if (picked.status !== 302 || !picked.location) throw new Error(`picking ${upn} answered ${picked.status}: ${picked.text.slice(0, 300)}`);
  const callback = new URL(picked.location);
  if (options.tamperState) callback.searchParams.set('state', 'someone-elses-state');
  const done = await apiRequest(callback.toString(), stateCookie);
  return { status: done.status, location: done.location, text: done.text, sessionCookie: cookiePair(done.cookies, options.to === 'my' ? 'tf_my_session' : 'tf_session') };
}
