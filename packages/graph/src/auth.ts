// Access tokens by client credentials (secret or certificate) with msal-node. MSAL is told everything it
// would otherwise look up (knownAuthorities + authorityMetadata, docs/graph-hardware-oath.md §7.2), so its only network
// call is the token POST, which works offline against a local authority. MSAL caches the token and
// renews it 300 s before expiry; a Graph 401 asks for a fresh one once (skipCache).
import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto';
import { AuthError, ConfidentialClientApplication, LogLevel, ServerError } from '@azure/msal-node';
import type { Configuration, NodeAuthOptions } from '@azure/msal-node';
import { classifyFailure, classifyTransportError, isRecord, DEFAULT_RATE_LIMIT_BACKOFF } from './outcome';
import type { HttpAnswer } from './outcome';
import { msalNetworkModule } from './transport';
import type { HttpsTransport, TokenExchangeRecord } from './transport';
import type { GraphFailure, GraphLogger } from './types';

export const DEFAULT_GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const TOKEN_PATH_TEMPLATE = '/{tenant}/oauth2/v2.0/token';

export interface TokenSourceOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  clientCertificate?: { privateKeyPem: string; certificatePem: string };
  authorityHost: string;
  scope: string;
  transport: HttpsTransport;
  logger: GraphLogger;
}

export type TokenResult = { ok: true; accessToken: string } | { ok: false; failure: GraphFailure };

/** The OIDC metadata MSAL would fetch from `{authority}/v2.0/.well-known/openid-configuration`. */
export function authorityMetadataFor(authority: string): string {
  return JSON.stringify({
    issuer: `${authority}/v2.0`,
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
  });
}

/** MSAL's certificate credential: SHA-256 thumbprint (hex) of the DER certificate, key and x5c from the PEMs. */
export function certificateCredential(certificate: { privateKeyPem: string; certificatePem: string }): NonNullable<NodeAuthOptions['clientCertificate']> {
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(certificate.certificatePem);
  } catch {
    throw new Error('The client certificate is not a readable PEM X.509 certificate');
  }
  try {
    createPrivateKey(certificate.privateKeyPem);
  } catch {
    throw new Error('The client certificate private key is not a readable PEM private key');
  }
  return {
    thumbprintSha256: parsed.fingerprint256.replaceAll(':', '').toLowerCase(),
    privateKey: certificate.privateKeyPem,
    x5c: certificate.certificatePem,
  };
}

export class TokenSource {
  private readonly application: ConfidentialClientApplication;
  /** What each token request ended in on the wire, by MSAL correlation id, until classified. */
  private readonly exchanges = new Map<string, TokenExchangeRecord>();
  private readonly scope: string;
  private readonly authorityOrigin: string;

  /**
   * The last token MSAL gave, while MSAL would still hand it out from its cache. Every Graph call asks for
   * a token, and MSAL's cache look-up (its keys, its serialized entries) cost more CPU than the rest of the
   * call's client side at ten tenants' pace (docs/performance.md).
   */
  private held: { accessToken: string; renewAtMs: number } | null = null;

  constructor(private readonly options: TokenSourceOptions) {
    this.scope = options.scope;
    const authorityUrl = new URL(options.authorityHost);
    this.authorityOrigin = authorityUrl.origin;
    const authority = `${this.authorityOrigin}/${options.tenantId}`;
    const credential: Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate'> =
      options.clientCertificate !== undefined
        ? { clientCertificate: certificateCredential(options.clientCertificate) }
        : { clientSecret: options.clientSecret ?? '' };
    const configuration: Configuration = {
      auth: {
        clientId: options.clientId,
        authority,
        ...credential,
        knownAuthorities: [authorityUrl.host],
        authorityMetadata: authorityMetadataFor(authority),
      },
      system: {
        networkClient: msalNetworkModule(options.transport, {
          onExchange: (correlationId, url, method, record) => this.recordExchange(correlationId, url, method, record),
        }),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Error,
          loggerCallback: (_level, message) => options.logger.warn({ component: 'msal' }, message),
        },
      },
    };
    this.application = new ConfidentialClientApplication(configuration);
  }

  /**
   * A token: the one held, until MSAL would renew it; else MSAL's (from its cache or the token endpoint);
   * a fresh one from the endpoint when `forceRefresh` (after Graph answered 401).
   */
  async acquire(forceRefresh = false): Promise<TokenResult> {
    if (forceRefresh) this.held = null;
    if (this.held && Date.now() < this.held.renewAtMs) return { ok: true, accessToken: this.held.accessToken };
    const correlationId = randomUUID();
    try {
      const result = await this.application.acquireTokenByClientCredential({
        scopes: [this.scope],
        skipCache: forceRefresh,
        correlationId,
      });
      if (result === null || result.accessToken === '') {
        return { ok: false, failure: this.failure('permanent', 'noAccessToken', 'The token endpoint answered without an access token') };
      }
      this.held = heldUntilRenewal(result);
      return { ok: true, accessToken: result.accessToken };
    } catch (error) {
      return { ok: false, failure: this.classify(error, this.exchanges.get(correlationId)) };
    } finally {
      this.exchanges.delete(correlationId);
    }
  }

  private recordExchange(correlationId: string | undefined, url: string, method: string, record: TokenExchangeRecord): void {
    if (correlationId !== undefined) this.exchanges.set(correlationId, record);
    const path = new URL(url).pathname === `/${this.options.tenantId}/oauth2/v2.0/token` ? TOKEN_PATH_TEMPLATE : new URL(url).pathname;
    if ('error' in record) {
      this.options.logger.info({ call: 'token', method, host: this.authorityOrigin, path, outcome: 'transient', code: record.error.code }, 'token request failed');
      return;
    }
    const { exchange } = record;
    this.options.logger.info(
      {
        call: 'token',
        method,
        host: this.authorityOrigin,
        path,
        status: exchange.status,
        durationMs: exchange.receivedAtMs - exchange.sentAtMs,
        requestId: exchange.headers['x-ms-request-id'] ?? exchange.headers['request-id'] ?? null,
      },
      'token request',
    );
  }

  /**
   * Token failures in the outcome vocabulary. What went over the wire decides when there was an exchange
   * (the token endpoint's {error, error_description} is read like Graph's envelope); otherwise MSAL
   * refused locally: its throttle cache replaying an earlier 429/5xx is transient, anything else is a
   * configuration problem.
   */
  private classify(error: unknown, record: TokenExchangeRecord | undefined): GraphFailure {
    if (record !== undefined && 'error' in record) return classifyTransportError(record.error, `the token endpoint at ${this.authorityOrigin}`);
    if (record !== undefined && !(record.exchange.status >= 200 && record.exchange.status < 300)) {
      const answer: HttpAnswer = {
        status: record.exchange.status,
        headers: record.exchange.headers,
        body: tokenErrorAsGraphEnvelope(record.body),
      };
      const failure = classifyFailure(answer, { previousConsecutiveRateLimits: 0, backoff: DEFAULT_RATE_LIMIT_BACKOFF, serverNowMs: Date.now() });
      return { ...failure, message: `Could not get an access token: ${failure.kind === 'rate-limited' ? 'the token endpoint is throttling' : failure.message}` } as GraphFailure;
    }
    if (error instanceof ServerError && error.status === undefined) {
      return this.failure('transient', error.errorCode || 'tokenEndpointThrottled', 'The token endpoint refused recently; MSAL is holding back until its Retry-After passes');
    }
    const code = error instanceof AuthError ? error.errorCode : 'tokenAcquisitionFailed';
    const detail = error instanceof AuthError ? error.errorMessage : error instanceof Error ? error.message : String(error);
    return this.failure('permanent', code, `Could not get an access token from ${this.authorityOrigin}: ${firstLine(detail)}`);
  }

  private failure(kind: 'transient' | 'permanent', code: string, message: string): GraphFailure {
    return kind === 'transient'
      ? { kind, status: null, code, message, requestId: null }
      : { kind, status: 401, code, message, requestId: null };
  }
}

/** Entra's token errors `{error, error_description}` → Graph's `{error:{code,message}}`. */
function tokenErrorAsGraphEnvelope(body: unknown): unknown {
  if (!isRecord(body) || typeof body.error !== 'string') return body;
  return {
    error: {
      code: body.error,
      message: typeof body.error_description === 'string' ? firstLine(body.error_description) : body.error,
    },
  };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? text;
}

/** How long before its expiry MSAL's cache stops handing out a token (its default renewal offset). */
const TOKEN_RENEWAL_OFFSET_MS = 300_000;

/**
 * Until when a token may be used without asking MSAL again: as long as MSAL's own cache would return it,
 * that is until the renewal offset before expiry or its `refresh_in`, whichever comes first; not at all
 * when the answer gave no expiry.
 */
function heldUntilRenewal(result: { accessToken: string; expiresOn: Date | null; refreshOn?: Date }): { accessToken: string; renewAtMs: number } | null {
  if (!result.expiresOn) return null;
  const renewAtMs = Math.min(result.expiresOn.getTime() - TOKEN_RENEWAL_OFFSET_MS, result.refreshOn?.getTime() ?? Infinity);
  return { accessToken: result.accessToken, renewAtMs };
}
