// Client options from where Graph is and how to sign in to it (a live tenant, or the sandbox's
// connection file): the files a connection names are read here, once, when the client is built. A
// tenant added in Tokenfleet holds its credential in the database instead: `clientOptionsFromCredential`.
import { readFileSync } from 'node:fs';
import type { GraphClientOptions } from './types';

export interface ConnectionSettings {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  /** A PEM file holding the private key and the certificate (one file, as `openssl req -x509` can write). */
  clientCertificatePath?: string;
  authorityHost: string;
  graphBaseUrl: string;
  /** An extra CA to trust for both hosts, besides the system's and NODE_EXTRA_CA_CERTS. */
  caCertificatePath?: string;
}

/** A connection with its credential in hand rather than in a file. */
export interface CredentialSettings {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  /** The private key and the certificate, in one PEM text. */
  clientCertificatePem?: string;
  authorityHost: string;
  graphBaseUrl: string;
  caCertificatePem?: string;
}

export function clientOptionsFromConnection(connection: ConnectionSettings, extra: Partial<GraphClientOptions> = {}): GraphClientOptions {
  const { clientCertificatePath, caCertificatePath, ...rest } = connection;
  return clientOptionsFromCredential(
    {
      ...rest,
      ...(clientCertificatePath ? { clientCertificatePem: readFileSync(clientCertificatePath, 'utf8') } : {}),
      ...(caCertificatePath ? { caCertificatePem: readFileSync(caCertificatePath, 'utf8') } : {}),
    },
    extra,
  );
}

export function clientOptionsFromCredential(connection: CredentialSettings, extra: Partial<GraphClientOptions> = {}): GraphClientOptions {
  const certificate = connection.clientCertificatePem;
  return {
    tenantId: connection.tenantId,
    clientId: connection.clientId,
    ...(connection.clientSecret ? { clientSecret: connection.clientSecret } : {}),
    ...(certificate ? { clientCertificate: { privateKeyPem: certificate, certificatePem: certificate } } : {}),
    authorityHost: connection.authorityHost,
    graphBaseUrl: connection.graphBaseUrl,
    ...(connection.caCertificatePem ? { caCertificatePem: connection.caCertificatePem } : {}),
    ...extra,
  };
}
