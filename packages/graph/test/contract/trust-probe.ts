// Run as a child process by client.test.ts with NODE_EXTRA_CA_CERTS pointing at the sandbox's CA (node
// reads that variable only at start-up). Prints, as JSON, what a client reaching the sandbox gets when it
// trusts the CA only through the environment, and when it is also given an unrelated CA explicitly (the
// explicit CA must be added to the trusted set, not replace the environment's).
import { createGraphClient } from '../../src/client';
import type { GraphClientOptions } from '../../src/types';
import { makeSelfSignedCertificate } from './self-signed';

const target = JSON.parse(process.env.TRUST_PROBE_TARGET ?? '{}') as Pick<GraphClientOptions, 'tenantId' | 'clientId' | 'clientSecret' | 'authorityHost' | 'graphBaseUrl'> & { user: string };

async function kindOfGetUser(extra: Partial<GraphClientOptions>): Promise<string> {
  const client = createGraphClient({ ...target, timeoutMs: 10_000, ...extra });
  try {
    const outcome = await client.getUser(target.user);
    return outcome.kind === 'ok' && outcome.value !== null ? 'ok' : `${outcome.kind}${outcome.kind === 'ok' ? '' : ` ${outcome.code}`}`;
  } finally {
    client.close();
  }
}

const unrelatedCa = makeSelfSignedCertificate('Unrelated CA').certificatePem;
const result = {
  environmentOnly: await kindOfGetUser({}),
  environmentAndOption: await kindOfGetUser({ caCertificatePem: unrelatedCa }),
};
process.stdout.write(JSON.stringify(result));
