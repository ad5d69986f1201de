// Signing people in with Entra ID (OpenID Connect, authorization code + PKCE) through msal-node:
// `getAuthCodeUrl` builds the authorize URL, `acquireTokenByCode` redeems the code. MSAL is pointed at the
// authority exactly as the client-credentials TokenSource is (knownAuthorities + authorityMetadata, the
// same HTTPS transport with the same trusted CAs), so the sandbox and any HTTPS authority work alike.
//
// MSAL decodes the ID token but does not verify its signature, so the ID token is checked here, on its
// own, against the tenant's published keys (JWKS): RS256 signature, issuer, audience, lifetime and nonce
// (docs/sign-in.md lists the checks and the reasons a sign-in is refused with).
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { AuthError, ConfidentialClientApplication, CryptoProvider, LogLevel } from '@azure/msal-node';
import { authorityMetadataFor, certificateCredential } from './auth';
import { HttpsTransport, msalNetworkModule, parseJsonBody } from './transport';
import type { GraphLogger } from './types';

/** The scopes of sign-in: who the user is, nothing of Graph (Tokenfleet calls Graph as the app). */
export const SIGN_IN_SCOPES = ['openid', 'profile', 'email'];
/** Clock skew tolerated on exp/nbf/iat, as the Microsoft identity libraries do by default. */
const CLOCK_SKEW_SECONDS = 300;
/** An unknown key id refetches the keys, at most this often (Entra rotates keys; a forger could spam kids). */
const JWKS_REFRESH_MIN_MS = 60_000;
const WRONG_NONCE = 'The ID token does not answer this sign-in (its nonce differs): it may be replayed';

export interface SignInOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  clientCertificate?: { privateKeyPem: string; certificatePem: string };
  /** e.g. https://login.microsoftonline.com, or the sandbox's origin. */
  authorityHost: string;
  caCertificatePem?: string;
  timeoutMs: number;
  logger: GraphLogger;
  /** Epoch ms; tests move it. */
  now?: () => number;
}

/** Who signed in, from a verified ID token. */
export interface VerifiedIdentity {
  objectId: string;
  tenantId: string;
  subject: string;
  /** preferred_username: the UPN for members of the tenant. */
  username: string;
  name: string;
  roles: string[];
  groups: string[];
  /** More groups than fit in the token (`_claim_names.groups`): mapping by group needs Graph then. */
  groupsOverage: boolean;
}

/** Why a sign-in was refused; `code` is stable (docs/sign-in.md), the message is for the person. */
export class SignInRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignInRefused';
  }
}

type Jwks = { keys: Array<JsonWebKey & { kid?: string; use?: string }> };

export class EntraSignIn {
  private readonly application: ConfidentialClientApplication;
  private readonly transport: HttpsTransport;
  private readonly authority: string;
  readonly issuer: string;
  private readonly jwksUri: string;
  private keys = new Map<string, KeyObject>();
  private keysFetchedAt = 0;
  private readonly now: () => number;
  private readonly crypto = new CryptoProvider();

  constructor(private readonly options: SignInOptions) {
    const authorityUrl = new URL(options.authorityHost);
    this.authority = `${authorityUrl.origin}/${options.tenantId}`;
    this.issuer = `${this.authority}/v2.0`;
    this.jwksUri = `${this.authority}/discovery/v2.0/keys`;
    this.now = options.now ?? Date.now;
    this.transport = new HttpsTransport({ timeoutMs: options.timeoutMs, ...(options.caCertificatePem ? { caCertificatePem: options.caCertificatePem } : {}) });
    this.application = new ConfidentialClientApplication({
      auth: {
        clientId: options.clientId,
        authority: this.authority,
        ...(options.clientCertificate ? { clientCertificate: certificateCredential(options.clientCertificate) } : { clientSecret: options.clientSecret ?? '' }),
        knownAuthorities: [authorityUrl.host],
        authorityMetadata: authorityMetadataFor(this.authority),
      },
      system: {
        networkClient: msalNetworkModule(this.transport, { onExchange: () => undefined }),
        loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: (_level, message) => options.logger.warn({ component: 'msal-sign-in' }, message) },
      },
    });
  }

  /** A PKCE pair: the verifier stays with the caller (server side), the challenge goes in the URL. */
  async pkce(): Promise<{ verifier: string; challenge: string }> {
    return this.crypto.generatePkceCodes();
  }

  authorizationUrl(request: { redirectUri: string; state: string; nonce: string; codeChallenge: string; prompt?: 'select_account' | 'login' }): Promise<string> {
    return this.application.getAuthCodeUrl({
      scopes: SIGN_IN_SCOPES,
      redirectUri: request.redirectUri,
      state: request.state,
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: 'S256',
      responseMode: 'query',
      prompt: request.prompt ?? 'select_account',
    });
  }

  /**
   * Redeems the code (with the PKCE verifier) and answers the raw ID token, not yet trusted. MSAL compares
   * the nonce as well (it insists on one); verifyIdToken checks it again with the rest.
   */
  async redeem(request: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<string> {
    try {
      const result = await this.application.acquireTokenByCode({ code: request.code, redirectUri: request.redirectUri, codeVerifier: request.codeVerifier, nonce: request.nonce, scopes: SIGN_IN_SCOPES });
      if (!result.idToken) throw new SignInRefused('no_id_token', 'Entra answered without an ID token');
      return result.idToken;
    } catch (error) {
      if (error instanceof SignInRefused) throw error;
      if (error instanceof AuthError && error.errorCode === 'nonce_mismatch') throw new SignInRefused('wrong_nonce', WRONG_NONCE);
      const detail = error instanceof AuthError ? `${error.errorCode}: ${error.errorMessage.split(/\r?\n/, 1)[0]}` : error instanceof Error ? error.message : String(error);
      throw new SignInRefused('code_redemption_failed', `Entra did not accept the sign-in code (${detail})`);
    }
  }

  /** Every check an ID token must pass before anyone is signed in with it. */
  async verifyIdToken(idToken: string, expectedNonce: string): Promise<VerifiedIdentity> {
    const parts = idToken.split('.');
    if (parts.length !== 3) throw new SignInRefused('malformed_id_token', 'The ID token is not a signed JWT');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodePart(headerPart);
    const claims = decodePart(payloadPart);
    if (!header || !claims) throw new SignInRefused('malformed_id_token', 'The ID token cannot be read');
    if (header.alg !== 'RS256') throw new SignInRefused('bad_signature', `The ID token is signed with ${String(header.alg)}; only RS256 is accepted`);
    const key = await this.signingKey(typeof header.kid === 'string' ? header.kid : '');
    if (!key) throw new SignInRefused('bad_signature', 'The ID token is signed with a key the tenant does not publish');
    const signed = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url'));
    if (!signed) throw new SignInRefused('bad_signature', "The ID token's signature does not match its content (it was changed after Entra signed it)");
    if (claims.iss !== this.issuer) throw new SignInRefused('wrong_issuer', `The ID token was issued by ${String(claims.iss)}, not by this tenant (${this.issuer})`);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.options.clientId)) throw new SignInRefused('wrong_audience', `The ID token is meant for another application (${String(claims.aud)}), not this one`);
    const nowSeconds = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS <= nowSeconds) throw new SignInRefused('expired', 'The ID token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_SECONDS > nowSeconds) throw new SignInRefused('not_yet_valid', 'The ID token is not valid yet (check the clock)');
    if (claims.nonce !== expectedNonce) throw new SignInRefused('wrong_nonce', WRONG_NONCE);
    if (claims.tid !== this.options.tenantId) throw new SignInRefused('wrong_tenant', 'The ID token belongs to another tenant');
    if (typeof claims.oid !== 'string' || typeof claims.preferred_username !== 'string') throw new SignInRefused('incomplete_id_token', 'The ID token names no user (oid, preferred_username)');
    const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
    const claimNames = claims._claim_names as Record<string, unknown> | undefined;
    return {
      objectId: claims.oid,
      tenantId: String(claims.tid),
      subject: String(claims.sub),
      username: claims.preferred_username,
      name: typeof claims.name === 'string' ? claims.name : claims.preferred_username,
      roles: strings(claims.roles),
      groups: strings(claims.groups),
      groupsOverage: Boolean(claimNames && 'groups' in claimNames),
    };
  }

  private async signingKey(kid: string): Promise<KeyObject | undefined> {
    if (!this.keys.has(kid) && this.now() - this.keysFetchedAt >= JWKS_REFRESH_MIN_MS) await this.fetchKeys();
    return this.keys.get(kid);
  }

  private async fetchKeys(): Promise<void> {
    const exchange = await this.transport.send({ url: this.jwksUri, method: 'GET', headers: { accept: 'application/json' } });
    const body = parseJsonBody(exchange.body) as Jwks | undefined;
    if (exchange.status !== 200 || !body || !Array.isArray(body.keys)) throw new SignInRefused('keys_unavailable', `The tenant's signing keys could not be read from ${this.jwksUri} (${exchange.status})`);
    const keys = new Map<string, KeyObject>();
    for (const jwk of body.keys) {
      if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      keys.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
    }
    this.keys = keys;
    this.keysFetchedAt = this.now();
  }
}

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
