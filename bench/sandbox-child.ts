// One simulated Entra tenant in a process of its own, for benchmarks whose figures must not count the
// simulator's CPU as Tokenfleet's. Started by bench/tenants.ts with the sandbox's options as JSON; prints
// one JSON line with what a client needs to reach it, then serves until it is sent SIGTERM.
//
//   node --import tsx bench/sandbox-child.ts '{"stateDir": "/tmp/…", "tenantId": "…", …}'
import { startSandbox, type SandboxOptions } from '@tokenfleet/entra-sandbox';

const options = JSON.parse(process.argv[2] ?? '{}') as SandboxOptions;
const sandbox = await startSandbox(options);
console.log(JSON.stringify({ origin: sandbox.origin, port: sandbox.port, tenantId: sandbox.tenantId, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, caCertificatePem: sandbox.caCertificatePem }));
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
