// The sandbox as an OpenID provider, shaped like Entra's v2.0 endpoints: an authorize endpoint whose page
// lists the demo users and their app roles (a click signs that user in), the authorization-code grant at
// the token endpoint with PKCE (S256) checked, ID tokens signed RS256 with a key published at
// `/{tenant}/discovery/v2.0/keys`. `idTokenFault` (a behaviour switch) makes it issue the broken ID tokens
// a relying party must refuse. Codes live in memory for ten minutes and are redeemed once, as Entra's are.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AppRegistration } from './auth';
import { EntraError } from './auth';
import type { Exchange } from './http';
import type { SandboxBehaviour, SandboxUser } from './types';
import { SANDBOX_DOMAIN, stableGuid } from './users';

/** The app roles Tokenfleet's app registration defines (README, "Register the app in Entra"). */
export const APP_ROLE_VALUES = ['Tokenfleet.Admin', 'Tokenfleet.Operator', 'Tokenfleet.Viewer'] as const;
/** A security group the demo helpdesk user is in: deployments map group ids to roles by configuration. */
export const HELPDESK_GROUP_ID = stableGuid('group:tokenfleet-helpdesk');

/** Who holds which app role (and group) in the sandbox tenant; every other user is a plain employee. */
export const DEMO_SIGN_IN_ROLES: Record<string, { roles: string[]; groups?: string[] }> = {
  [`alice@${SANDBOX_DOMAIN}`]: { roles: ['Tokenfleet.Admin'] },
  [`bob@${SANDBOX_DOMAIN}`]: { roles: ['Tokenfleet.Operator'] },
  [`judy@${SANDBOX_DOMAIN}`]: { roles: ['Tokenfleet.Viewer'] },
  [`heidi@${SANDBOX_DOMAIN}`]: { roles: [], groups: [HELPDESK_GROUP_ID] },
};

const CODE_LIFETIME_MS = 10 * 60_000;
const ID_TOKEN_LIFETIME_SECONDS = 3600;

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
  scope: string;
  userId: string;
  expiresAt: number;
}

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string | null;
  nonce: string | null;
  scope: string;
  codeChallenge: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Entra registers redirect URIs per app; the sandbox accepts loopback ones and those it was given. */
function redirectAllowed(uri: string, registered: readonly string[]): boolean {
  if (registered.includes(uri)) return true;
  try {
    const url = new URL(uri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) && url.hash === '';
  } catch {
    return false;
  }
}

export function rolesOf(user: SandboxUser): { roles: string[]; groups: string[] } {
  const entry = DEMO_SIGN_IN_ROLES[user.userPrincipalName.toLowerCase()];
  return { roles: entry?.roles ?? [], groups: entry?.groups ?? [] };
}

export class SignInProvider {
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  readonly kid: string;
  private readonly codes = new Map<string, PendingCode>();

  constructor(
    private readonly app: AppRegistration,
    private readonly users: () => readonly SandboxUser[],
    private readonly behaviour: SandboxBehaviour,
    private readonly registeredRedirectUris: readonly string[] = [],
  ) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    this.kid = createHash('sha256').update(String(jwk.n)).digest('base64url').slice(0, 27);
    this.publicJwk = { kty: 'RSA', use: 'sig', kid: this.kid, x5t: this.kid, n: jwk.n, e: jwk.e };
  }

  issuer(origin: string): string {
    return `${origin}/${this.app.tenantId}/v2.0`;
  }

  jwks(origin: string): Record<string, unknown> {
    return { keys: [{ ...this.publicJwk, issuer: this.issuer(origin) }] };
  }

  /** Reads and checks the authorize request's query; errors that cannot be redirected are thrown. */
  private authorizeRequest(exchange: Exchange, tenant: string): AuthorizeRequest {
    const query = exchange.url.searchParams;
    if (tenant.toLowerCase() !== this.app.tenantId.toLowerCase()) {
      throw new EntraError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
    }
    const clientId = query.get('client_id') ?? '';
    if (clientId.toLowerCase() !== this.app.clientId.toLowerCase()) {
      throw new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${this.app.tenantId}'.`);
    }
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!redirectAllowed(redirectUri, this.registeredRedirectUris)) {
      throw new EntraError(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`);
    }
    if (query.get('response_type') !== 'code') {
      throw new EntraError(400, 'unsupported_response_type', 700054, "The sandbox supports response_type 'code' only (the authorization-code flow).");
    }
    const scope = query.get('scope') ?? '';
    if (!scope.split(/\s+/).includes('openid')) throw new EntraError(400, 'invalid_scope', 70011, "The scope must include 'openid' to sign a user in.");
    const codeChallenge = query.get('code_challenge') ?? '';
    if (!codeChallenge || query.get('code_challenge_method') !== 'S256') {
      throw new EntraError(400, 'invalid_request', 9002325, 'Proof Key for Code Exchange is required: send code_challenge with code_challenge_method=S256.');
    }
    return { clientId, redirectUri, state: query.get('state'), nonce: query.get('nonce'), scope, codeChallenge };
  }

  /** GET: the page listing the demo users. */
  signInPage(exchange: Exchange, tenant: string): string {
    this.authorizeRequest(exchange, tenant);
    const action = escapeHtml(`${exchange.url.pathname}${exchange.url.search}`);
    const cancel = escapeHtml(`${exchange.url.pathname}${exchange.url.search}${exchange.url.search ? '&' : '?'}cancel=1`);
    const row = (user: SandboxUser) => {
      const { roles, groups } = rolesOf(user);
      const label = roles.length > 0 ? roles.join(', ') : groups.length > 0 ? `group ${groups.join(', ')} (no app role)` : 'employee: no Tokenfleet role';
      return (
        `<li><form method="post" action="${action}"><input type="hidden" name="user" value="${escapeHtml(user.id)}">` +
        `<button type="submit" data-upn="${escapeHtml(user.userPrincipalName)}"><strong>${escapeHtml(user.displayName)}</strong> ` +
        `<span class="upn">${escapeHtml(user.userPrincipalName)}</span> <span class="roles">${escapeHtml(label)}</span></button></form></li>`
      );
    };
    const members = this.users().filter((user) => user.userType !== 'Guest');
    const privileged = members.filter((user) => DEMO_SIGN_IN_ROLES[user.userPrincipalName.toLowerCase()]);
    const employees = members.filter((user) => !DEMO_SIGN_IN_ROLES[user.userPrincipalName.toLowerCase()]).slice(0, 20);
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in — SANDBOX Entra ID</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
.banner{background:#fde68a;padding:.5rem .75rem;border-radius:4px;font-weight:600}ul{list-style:none;padding:0}
li button{width:100%;text-align:left;padding:.5rem .75rem;margin:.2rem 0;border:1px solid #ccc;border-radius:4px;background:#fff;cursor:pointer}
li button:hover{background:#eef4ff}.upn{color:#555}.roles{float:right;color:#0b5394}</style></head><body>
<p class="banner">SANDBOX — simulated Microsoft Entra ID. No real tenant, no password: pick a demo user.</p>
<h1>Pick an account</h1><h2>Users with a Tokenfleet app role</h2><ul>${privileged.map(row).join('')}</ul>
<h2>Employees</h2><ul>${employees.map(row).join('')}</ul>
<p><a href="${cancel}">Cancel (answers access_denied)</a></p></body></html>`;
  }

  /** POST (a user picked) or GET with cancel=1: the redirect back to the app. */
  completeSignIn(exchange: Exchange, tenant: string, form: URLSearchParams): string {
    const request = this.authorizeRequest(exchange, tenant);
    const back = new URL(request.redirectUri);
    if (exchange.url.searchParams.get('cancel') === '1') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
    } else {
      const user = this.users().find((candidate) => candidate.id === form.get('user'));
      if (!user) throw new EntraError(400, 'invalid_request', 50034, 'The user account does not exist in the directory.');
      const code = `sbx.${randomBytes(32).toString('base64url')}`;
      this.forgetExpired(exchange.now());
      this.codes.set(code, { ...request, userId: user.id, expiresAt: exchange.now() + CODE_LIFETIME_MS });
      back.searchParams.set('code', code);
      back.searchParams.set('session_state', randomUUID());
    }
    if (request.state !== null) back.searchParams.set('state', request.state);
    return back.toString();
  }

  private forgetExpired(nowMs: number): void {
    for (const [code, pending] of this.codes) if (pending.expiresAt <= nowMs) this.codes.delete(code);
  }

  /** The authorization_code grant (the client is authenticated by the caller). */
  redeem(exchange: Exchange, form: URLSearchParams, accessToken: (claims: Record<string, unknown>) => string): Record<string, unknown> {
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    // Single use: a code is gone once presented, whether the rest of the request is right or not.
    this.codes.delete(code);
    if (!pending || pending.expiresAt <= exchange.now()) {
      throw new EntraError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity, or was already redeemed. Send a new interactive authorization request for this user and resource.');
    }
    if (form.get('redirect_uri') !== pending.redirectUri) {
      throw new EntraError(400, 'invalid_grant', 500112, 'The reply address does not match the reply address provided when requesting the authorization code.');
    }
    const verifier = form.get('code_verifier');
    if (!verifier) throw new EntraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code_verifier'.");
    if (createHash('sha256').update(verifier).digest('base64url') !== pending.codeChallenge) {
      throw new EntraError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
    const user = this.users().find((candidate) => candidate.id === pending.userId)!;
    const nowSeconds = Math.floor(exchange.now() / 1000);
    const scope = pending.scope.split(/\s+/).filter((item) => ['openid', 'profile', 'email', 'offline_access'].includes(item) || item.endsWith('User.Read'));
    return {
      token_type: 'Bearer',
      scope: [...new Set([...scope, 'User.Read'])].join(' '),
      expires_in: ID_TOKEN_LIFETIME_SECONDS,
      ext_expires_in: ID_TOKEN_LIFETIME_SECONDS,
      access_token: accessToken({ aud: 'https://graph.microsoft.com', oid: user.id, upn: user.userPrincipalName, scp: 'openid profile email User.Read', idtyp: 'user' }),
      ...(pending.scope.split(/\s+/).includes('offline_access') ? { refresh_token: `sbx-rt.${randomBytes(24).toString('base64url')}` } : {}),
      id_token: this.idToken(exchange.origin, user, pending, nowSeconds),
      client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: this.app.tenantId })).toString('base64url'),
    };
  }

  private idToken(origin: string, user: SandboxUser, pending: PendingCode, nowSeconds: number): string {
    const fault = this.behaviour.idTokenFault;
    const { roles, groups } = rolesOf(user);
    const issuedAt = fault === 'expired' ? nowSeconds - 2 * ID_TOKEN_LIFETIME_SECONDS : nowSeconds;
    const claims: Record<string, unknown> = {
      aud: fault === 'wrong-audience' ? stableGuid('app:someone-else') : pending.clientId,
      iss: fault === 'wrong-issuer' ? `${origin}/${stableGuid('tenant:someone-else')}/v2.0` : this.issuer(origin),
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + ID_TOKEN_LIFETIME_SECONDS,
      ...(pending.nonce !== null ? { nonce: fault === 'wrong-nonce' ? randomBytes(16).toString('base64url') : pending.nonce } : {}),
      name: user.displayName,
      preferred_username: user.userPrincipalName,
      email: user.mail ?? user.userPrincipalName,
      oid: user.id,
      // Entra's sub is pairwise: the same user has a different sub in every app.
      sub: createHash('sha256').update(`${pending.clientId}:${user.id}`).digest('base64url').slice(0, 43),
      tid: this.app.tenantId,
      ...(roles.length > 0 ? { roles } : {}),
      ...(groups.length > 0 ? { groups } : {}),
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    };
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.privateKey).toString('base64url');
    if (fault !== 'tampered') return `${header}.${payload}.${signature}`;
    // Signed, then changed on the way: the payload claims the admin role and a longer life, which the signature does not cover.
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['Tokenfleet.Admin'], exp: Number(claims.exp) + 86_400 })).toString('base64url');
    return `${header}.${forged}.${signature}`;
  }
}
