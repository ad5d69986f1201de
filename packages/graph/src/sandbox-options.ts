import type { GraphClientOptions } from './types';

/** What a client needs of an Entra sandbox: its origin serves the authority and Graph alike. */
export interface SandboxCoordinates {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  origin: string;
  caCertificatePem: string;
}

/** Client options for a sandbox, trusting its CA explicitly (never by turning verification off). */
export function sandboxClientOptions(sandbox: SandboxCoordinates, overrides: Partial<GraphClientOptions> = {}): GraphClientOptions {
  return {
    tenantId: sandbox.tenantId,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    authorityHost: sandbox.origin,
    graphBaseUrl: sandbox.origin,
    caCertificatePem: sandbox.caCertificatePem,
    ...overrides,
  };
}
