// Sign in with Microsoft (docs/sign-in.md): `GET /auth/microsoft/start` sends the browser to Entra's
// authorize endpoint (msal-node's getAuthCodeUrl, with state, nonce and a PKCE challenge), and
// `GET /auth/microsoft/callback` takes it back: the state must be this browser's (a cookie) and known to
// the server once (Redis, ten minutes), the code is redeemed with the PKCE verifier (acquireTokenByCode),
// and the ID token is verified by EntraSignIn against the tenant's published keys. An operator then gets
// the dashboard's session (with the role the ID token carries, updated at every sign-in); a person signing
// in to the portal (`?to=my`) gets a portal session, whatever their role. A refusal is a page naming why.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import express, { type Request, type Router } from 'express';
import helmet from 'helmet';
import type { Role } from '@tokenfleet/contract';
import { accounts, appendAudit, type Account } from '@tokenfleet/db';
import { SignInRefused, type EntraSignIn, type VerifiedIdentity } from '@tokenfleet/graph';
import type { ApiDeps } from '../deps';
import { describeErrorForLog } from '../errors';
import { PORTAL_COOKIE, type PortalSessionStore } from '../portal/sessions';
import { readCookie, sameSecret, setSessionCookie, type SessionStore } from '../sessions';
import { sendRefusal } from './pages';
import { APP_ROLES, roleOf } from './roles';

export const START_PATH = '/auth/microsoft/start';
export const CALLBACK_PATH = '/auth/microsoft/callback';
const STATE_COOKIE = 'tf_oidc_state';
/** A sign-in must come back from Entra within this long. */
const FLOW_TTL_SECONDS = 600;

type Destination = 'dashboard' | 'my';

interface Flow {
  nonce: string;
  verifier: string;
  to: Destination;
  redirectUri: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function callbackUrl(req: Request, deps: ApiDeps): string {
  const base = deps.config.validation.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host')}`;
  return `${base}${CALLBACK_PATH}`;
}

const signInPageOf = (to: Destination) => (to === 'my' ? '/my' : '/');

function signInClient(deps: ApiDeps): EntraSignIn {
  if (!deps.signIn) throw new Error('Sign in with Microsoft is not configured in this process');
  return deps.signIn();
}

export function microsoftSignInRouter(deps: ApiDeps, stores: { sessions: SessionStore; portal: PortalSessionStore }): Router {
  const router = express.Router();
  router.use(helmet());
  const flowKey = (state: string) => `${deps.redisPrefix}:oidc-flow:${sha256(state)}`;

  router.get(START_PATH, async (req, res) => {
    const to: Destination = req.query.to === 'my' ? 'my' : 'dashboard';
    const refuse = (reason: string, message: string, status = 503) =>
      sendRefusal(res, { status, reason, title: 'Sign in with Microsoft is not available', message, retryHref: signInPageOf(to) });
    if (!deps.config.signIn.microsoft) return refuse('microsoft_sign_in_off', 'Sign in with Microsoft is turned off here (TOKENFLEET_MICROSOFT_SIGN_IN=off).', 404);
    let client: EntraSignIn;
    try {
      client = signInClient(deps);
    } catch (error) {
      return refuse('not_configured', error instanceof Error ? error.message : String(error));
    }
    const state = randomBytes(32).toString('base64url');
    const nonce = randomBytes(32).toString('base64url');
    const pkce = await client.pkce();
    const redirectUri = callbackUrl(req, deps);
    const flow: Flow = { nonce, verifier: pkce.verifier, to, redirectUri };
    await deps.redis.set(flowKey(state), JSON.stringify(flow), 'EX', FLOW_TTL_SECONDS);
    // Binds the flow to this browser: a callback carrying another browser's state (login CSRF) is refused.
    res.cookie(STATE_COOKIE, state, { httpOnly: true, sameSite: 'lax', secure: req.secure || req.headers['x-forwarded-proto'] === 'https', path: '/auth/microsoft', maxAge: FLOW_TTL_SECONDS * 1000 });
    res.set('Cache-Control', 'no-store').redirect(302, await client.authorizationUrl({ redirectUri, state, nonce, codeChallenge: pkce.challenge }));
  });

  router.get(CALLBACK_PATH, async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const cookieState = readCookie(req, STATE_COOKIE);
    res.clearCookie(STATE_COOKIE, { path: '/auth/microsoft' });
    const raw = state ? await deps.redis.getdel(flowKey(state)) : null;
    const flow = raw ? (JSON.parse(raw) as Flow) : undefined;
    const to: Destination = flow?.to ?? 'dashboard';
    const refuse = async (status: number, reason: string, message: string, who?: string) => {
      await appendAudit(deps.db, { actor: who ? `user:${who}` : 'anonymous', action: 'session.refused', outcome: 'failure', targetType: 'sign-in', detail: { method: 'microsoft', reason, portal: to === 'my' } });
      req.log.warn({ reason, user: who ?? null }, 'sign-in with Microsoft refused');
      sendRefusal(res, { status, reason, title: 'Sign-in refused', message, retryHref: signInPageOf(to) });
    };
    if (!state || !cookieState || !sameSecret(state, cookieState)) {
      return refuse(400, 'state_mismatch', 'This sign-in did not start in this browser (its state does not match). Start again from the sign-in page.');
    }
    if (!flow) return refuse(400, 'state_unknown', 'This sign-in has expired or was already completed. Start again from the sign-in page.');
    if (typeof req.query.error === 'string') {
      const description = typeof req.query.error_description === 'string' ? req.query.error_description.split(/\r?\n/, 1)[0]! : req.query.error;
      // Entra's error codes are short snake_case words; anything else in the query is not carried into the audit trail.
      return refuse(401, `entra_${req.query.error.replace(/[^a-z_]/gi, '').slice(0, 40)}`, `Microsoft did not sign you in: ${description.slice(0, 300)}`);
    }
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    if (!code) return refuse(400, 'no_code', 'Microsoft sent no sign-in code back.');

    let identity: VerifiedIdentity;
    try {
      const client = signInClient(deps);
      const idToken = await client.redeem({ code, redirectUri: flow.redirectUri, codeVerifier: flow.verifier, nonce: flow.nonce });
      identity = await client.verifyIdToken(idToken, flow.nonce);
    } catch (error) {
      if (error instanceof SignInRefused) {
        return refuse(401, error.code, error.message);
      }
      req.log.error({ error: describeErrorForLog(error) }, 'sign-in with Microsoft failed');
      return refuse(502, 'sign_in_failed', 'Signing in with Microsoft failed on our side; try again, and tell an admin if it keeps failing.');
    }

    if (to === 'my') {
      const token = await stores.portal.create({ tenantId: deps.tenant.id, objectId: identity.objectId, upn: identity.username, name: identity.name });
      await appendAudit(deps.db, { actor: `user:${identity.username}`, action: 'portal.signed_in', outcome: 'success', tenantId: deps.tenant.id, targetType: 'user', targetId: identity.objectId, detail: { method: 'microsoft' } });
      setSessionCookie(req, res, token, deps.config.signIn.sessionMaxAgeMs, PORTAL_COOKIE);
      return res.set('Cache-Control', 'no-store').redirect(302, '/my');
    }

    const role = roleOf(identity, deps.config.signIn.roleGroups);
    if (!role) {
      const wanted = Object.keys(APP_ROLES).join(', ');
      const groups = Object.keys(deps.config.signIn.roleGroups).length > 0 ? ' (or membership of a group mapped to a role)' : '';
      const overage = identity.groupsOverage ? ' Your account is in more groups than the ID token can list, so group roles cannot be read: use app roles.' : '';
      return refuse(
        403,
        'missing_role',
        `You signed in as ${identity.username}, but Tokenfleet's dashboard needs one of the app roles ${wanted}${groups}, and your account has none. Ask your Entra admin to assign you one (Enterprise applications › Tokenfleet › Users and groups). To activate your own token, use the self-service portal at /my instead.${overage}`,
        identity.username,
      );
    }
    const account = await entraAccount(deps, identity, role);
    if ('refused' in account) return refuse(403, account.refused, account.message, identity.username);
    const { token } = await stores.sessions.create(account.id);
    await appendAudit(deps.db, { actor: `user:${account.username}`, action: 'session.created', outcome: 'success', targetType: 'account', targetId: account.id, detail: { method: 'microsoft', role, objectId: identity.objectId } });
    setSessionCookie(req, res, token, stores.sessions.maxAgeMs);
    res.set('Cache-Control', 'no-store').redirect(302, '/');
  });

  return router;
}

/**
 * The account of an Entra identity, made at its first sign-in, its role set to what the ID token says
 * now. Matched by object id only: a local account of the same name is never taken over.
 */
async function entraAccount(deps: ApiDeps, identity: VerifiedIdentity, role: Role): Promise<Account | { refused: string; message: string }> {
  return deps.db.transaction(async (tx) => {
    const [existing] = await tx.select().from(accounts).where(eq(accounts.entraObjectId, identity.objectId)).for('update');
    if (existing?.disabledAt) return { refused: 'account_disabled', message: `The Tokenfleet account of ${identity.username} is disabled; ask a Tokenfleet admin.` };
    if (existing) {
      const [updated] = await tx.update(accounts).set({ role, displayName: identity.name, lastLoginAt: new Date() }).where(eq(accounts.id, existing.id)).returning();
      if (existing.role !== role) {
        await appendAudit(tx, { actor: 'entra', action: 'account.role_changed', outcome: 'info', targetType: 'account', targetId: existing.id, detail: { from: existing.role, to: role, source: 'id token' } });
      }
      return updated!;
    }
    const [taken] = await tx.select({ id: accounts.id }).from(accounts).where(and(eq(sql`lower(${accounts.username})`, identity.username.toLowerCase()), isNull(accounts.entraObjectId)));
    if (taken) {
      return { refused: 'username_taken', message: `A local Tokenfleet account is named ${identity.username} already; an admin must rename or remove it before this Entra account can sign in.` };
    }
    const [created] = await tx
      .insert(accounts)
      .values({ id: randomUUID(), username: identity.username, passwordHash: null, role, entraObjectId: identity.objectId, displayName: identity.name, lastLoginAt: new Date() })
      .returning();
    await appendAudit(tx, { actor: 'entra', action: 'account.created', outcome: 'success', targetType: 'account', targetId: created!.id, detail: { username: identity.username, role, source: 'sign in with Microsoft' } });
    return created!;
  });
}
