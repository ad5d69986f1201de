// The Sign in with Microsoft client of a running API: the tenant's app registration (or the one
// ENTRA_SIGN_IN_CLIENT_ID names), its authority host and CA, from the same connection the worker uses,
// so in sandbox mode it finds the sandbox `npm start` or `npm run sandbox` started. Made at first use and
// kept; until it can be made, each sign-in says why.
import { readFileSync } from 'node:fs';
import { graphConnectionFor, type Config } from '@tokenfleet/config';
import { EntraSignIn, type GraphLogger } from '@tokenfleet/graph';

export function signInClientFor(config: Config, logger: GraphLogger): () => EntraSignIn {
  let client: EntraSignIn | undefined;
  return () => {
    if (client) return client;
    const connection = graphConnectionFor(config);
    const own = config.signIn.client;
    const certificate = !own && connection.clientCertificatePath ? readFileSync(connection.clientCertificatePath, 'utf8') : undefined;
    client = new EntraSignIn({
      tenantId: connection.tenantId,
      clientId: own?.clientId ?? connection.clientId,
      ...(own ? { clientSecret: own.clientSecret } : connection.clientSecret ? { clientSecret: connection.clientSecret } : {}),
      ...(certificate ? { clientCertificate: { privateKeyPem: certificate, certificatePem: certificate } } : {}),
      authorityHost: connection.authorityHost,
      ...(connection.caCertificatePath ? { caCertificatePem: readFileSync(connection.caCertificatePath, 'utf8') } : {}),
      timeoutMs: config.graph.timeoutMs,
      logger,
    });
    return client;
  };
}
