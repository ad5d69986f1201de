// The Entra side: the v2.0 token endpoint for the client-credentials grant (client secret, or a client
// assertion JWT signed by the registered certificate) and the authorization-code grant of sign-in
// (sign-in.ts), OIDC metadata, and the sandbox's own access
// tokens — HS256 JWTs signed with a key only the sandbox holds, so Graph routes can verify them.
import { constants, createHash, createHmac, randomUUID, timingSafeEqual, verify, X509Certificate } from 'node:crypto';
import type { Exchange } from './http';
import { PLAIN_JSON, sendJson } from './http';
import type { SignInProvider } from './sign-in';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;
/** Entra tolerates this much clock skew on an assertion's nbf. */
const ASSERTION_SKEW_SECONDS = 300;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** What a client-credentials app token carries; the sandbox grants everything Tokenfleet needs. */
const APP_ROLES = ['Policy.ReadWrite.AuthenticationMethod', 'UserAuthenticationMethod.ReadWrite.All', 'User.Read.All', 'Policy.Read.All'];

export interface AppRegistration {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  certificate: X509Certificate | null;
  /** HMAC key for access tokens; derived from the client secret so a restarted standalone sandbox still accepts them. */
  tokenSigningKey: Buffer;
}

export function tokenSigningKey(clientSecret: string, tenantId: string): Buffer {
  return createHmac('sha256', clientSecret).update(`tokenfleet-sandbox access tokens for ${tenantId}`).digest();
}

export function parseClientCertificate(pem: string | undefined): X509Certificate | null {
  if (!pem) return null;
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new Error(`clientCertificatePem is not a readable X.509 certificate: ${(error as Error).message}`, { cause: error });
  }
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function equalSecrets(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A failure at the token endpoint, answered in Entra's envelope. */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadstsCode: number,
    description: string,
  ) {
    super(description);
    this.name = 'EntraError';
  }
}

export function sendEntraError(exchange: Exchange, failure: EntraError): void {
  const at = new Date(exchange.now());
  const timestamp = `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 19)}Z`;
  const description =
    `AADSTS${failure.aadstsCode}: ${failure.message}\r\nTrace ID: ${exchange.requestId}\r\n` +
    `Correlation ID: ${exchange.clientRequestId}\r\nTimestamp: ${timestamp}`;
  sendJson(
    exchange,
    failure.status,
    {
      error: failure.error,
      error_description: description,
      error_codes: [failure.aadstsCode],
      timestamp,
      trace_id: exchange.requestId,
      correlation_id: exchange.clientRequestId,
      error_uri: `${exchange.origin}/error?code=${failure.aadstsCode}`,
    },
    {},
    PLAIN_JSON,
  );
}

export function tokenEndpointUrl(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/oauth2/v2.0/token`;
}

export function openIdConfiguration(origin: string, tenantId: string): Record<string, unknown> {
  const authority = `${origin}/${tenantId}`;
  return {
    token_endpoint: tokenEndpointUrl(origin, tenantId),
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${authority}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email', 'oid', 'roles', 'groups'],
    kerberos_endpoint: `${authority}/kerberos`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'tokenfleet-sandbox',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: new URL(origin).host,
  };
}

/** Instance discovery, for clients that do not pass knownAuthorities (not required by the contract). */
export function instanceDiscovery(origin: string, tenantId: string): Record<string, unknown> {
  const host = new URL(origin).host;
  return {
    tenant_discovery_endpoint: `${origin}/${tenantId}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}

interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  appid: string;
  tid: string;
  roles: string[];
  idtyp: 'app';
  ver: '1.0';
  uti: string;
}

function signJwt(claims: AccessTokenClaims, key: Buffer): string {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'tokenfleet-sandbox' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function decodeJsonPart(part: string | undefined): Record<string, unknown> | null {
  if (!part) return null;
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export type AccessTokenCheck = { ok: true; appId: string } | { ok: false; message: string };

/** Verifies a bearer presented to a Graph route: signed by this sandbox, for this tenant, unexpired. */
export function verifyAccessToken(authorization: string | undefined, app: AppRegistration, nowMs: number): AccessTokenCheck {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return { ok: false, message: 'Access token is empty.' };
  const parts = match[1]!.split('.');
  if (parts.length !== 3) return { ok: false, message: 'IDX14100: JWT is not well formed, there are no dots (.).' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', app.tokenSigningKey).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, message: 'Access token validation failure. Invalid signature.' };
  }
  const claims = decodeJsonPart(payload);
  if (!claims) return { ok: false, message: 'IDX14102: Unable to decode the payload as JSON.' };
  if (claims.aud !== GRAPH_RESOURCE) return { ok: false, message: 'Access token validation failure. Invalid audience.' };
  if (claims.tid !== app.tenantId) return { ok: false, message: 'Access token validation failure. Invalid tenant.' };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
  return { ok: true, appId: String(claims.appid) };
}

/** Proves the caller holds the registered certificate's key (PS256 + x5t#S256, or RS256 + x5t). */
function verifyClientAssertion(assertion: string, app: AppRegistration, audiences: string[], nowSeconds: number): EntraError | null {
  const malformed = (detail: string) => new EntraError(400, 'invalid_request', 50027, `JWT token is invalid or malformed. ${detail}`);
  const parts = assertion.split('.');
  if (parts.length !== 3) return malformed('The client assertion is not a compact JWS.');
  const header = decodeJsonPart(parts[0]);
  const claims = decodeJsonPart(parts[1]);
  if (!header || !claims) return malformed('Its header or payload is not JSON.');
  const certificate = app.certificate;
  if (!certificate) {
    return new EntraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation. [Reason - The key was not found.] No certificate is registered for this application.');
  }
  const x5tS256 = header['x5t#S256'];
  const x5t = header.x5t;
  const keyMatches =
    (typeof x5tS256 === 'string' && x5tS256 === base64url(createHash('sha256').update(certificate.raw).digest())) ||
    (typeof x5t === 'string' && x5t === base64url(createHash('sha1').update(certificate.raw).digest()));
  if (!keyMatches) {
    return new EntraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation. [Reason - The key was not found.] The x5t#S256 / x5t thumbprint names no registered certificate.');
  }
  const signedData = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, 'base64url');
  let signatureValid = false;
  if (header.alg === 'PS256') {
    signatureValid = verify('sha256', signedData, { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
  } else if (header.alg === 'RS256') {
    signatureValid = verify('sha256', signedData, { key: certificate.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } else {
    return malformed(`Algorithm '${String(header.alg)}' is not accepted; use PS256 or RS256.`);
  }
  if (!signatureValid) return new EntraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  if (claims.iss !== app.clientId || claims.sub !== app.clientId) {
    return new EntraError(401, 'invalid_client', 700021, 'Client assertion application identifier does not match the client_id: iss and sub must both be the client id.');
  }
  if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud)) {
    return new EntraError(401, 'invalid_client', 700021, `Client assertion audience claim does not match the token endpoint: expected '${audiences[0]}'.`);
  }
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
    return new EntraError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range: it has expired.');
  }
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + ASSERTION_SKEW_SECONDS) {
    return new EntraError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range: it is not valid yet.');
  }
  return null;
}

function scopeIsGraphDefault(scope: string, origin: string): boolean {
  return scope
    .split(/\s+/)
    .filter((item) => item.length > 0)
    .some((item) => item === `${GRAPH_RESOURCE}/.default` || item === `${origin}/.default` || item === '00000003-0000-0000-c000-000000000000/.default');
}

/** Credentials from HTTP Basic (client_secret_basic), if the client used it. */
function basicCredentials(authorization: string | undefined): { clientId: string; secret: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

/**
 * Handles `POST /{tenant}/oauth2/v2.0/token`. Returns the token response body, or throws EntraError.
 * `form` is the parsed application/x-www-form-urlencoded body.
 */
export function issueToken(exchange: Exchange, tenantSegment: string, form: URLSearchParams, app: AppRegistration, signIn?: SignInProvider): Record<string, unknown> {
  if (tenantSegment.toLowerCase() !== app.tenantId.toLowerCase()) {
    throw new EntraError(400, 'invalid_tenant', 90002, `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }
  const grantType = form.get('grant_type');
  if (!grantType) throw new EntraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (grantType !== 'client_credentials' && !(grantType === 'authorization_code' && signIn)) {
    throw new EntraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'; the sandbox supports client_credentials and authorization_code.`);
  }
  const basic = basicCredentials(exchange.req.headers.authorization);
  const clientId = form.get('client_id') ?? basic?.clientId ?? null;
  if (!clientId) throw new EntraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  if (clientId.toLowerCase() !== app.clientId.toLowerCase()) {
    throw new EntraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${app.tenantId}'.`);
  }
  const scope = form.get('scope');
  if (!scope) throw new EntraError(400, 'invalid_request', 90014, "The required field 'scope' is missing from the credential.");
  if (grantType === 'client_credentials' && !scopeIsGraphDefault(scope, exchange.origin)) {
    throw new EntraError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const nowMs = exchange.now();
  const secret = form.get('client_secret') ?? basic?.secret ?? null;
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER) {
      throw new EntraError(400, 'invalid_request', 50027, `client_assertion_type must be '${JWT_BEARER}'.`);
    }
    const audiences = [tokenEndpointUrl(exchange.origin, tenantSegment), tokenEndpointUrl(exchange.origin, app.tenantId)];
    const failure = verifyClientAssertion(assertion, app, audiences, Math.floor(nowMs / 1000));
    if (failure) throw failure;
  } else if (secret !== null) {
    if (!equalSecrets(secret, app.clientSecret)) {
      throw new EntraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
    }
  } else {
    throw new EntraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  const issuedAt = Math.floor(nowMs / 1000);
  if (grantType === 'authorization_code' && signIn) {
    // A delegated token for the signed-in user; Graph routes here serve the app only, so it opens none of them.
    return signIn.redeem(exchange, form, (user) =>
      signJwt({ iss: `https://sts.windows.net/${app.tenantId}/`, iat: issuedAt, nbf: issuedAt, exp: issuedAt + ACCESS_TOKEN_LIFETIME_SECONDS, appid: app.clientId, tid: app.tenantId, ver: '1.0', uti: randomUUID(), ...user } as unknown as AccessTokenClaims, app.tokenSigningKey),
    );
  }
  const claims: AccessTokenClaims = {
    aud: GRAPH_RESOURCE,
    iss: `https://sts.windows.net/${app.tenantId}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + ACCESS_TOKEN_LIFETIME_SECONDS,
    appid: app.clientId,
    tid: app.tenantId,
    roles: APP_ROLES,
    idtyp: 'app',
    ver: '1.0',
    uti: randomUUID(),
  };
  return {
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    access_token: signJwt(claims, app.tokenSigningKey),
  };
}
