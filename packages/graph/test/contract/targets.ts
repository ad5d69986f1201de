// The Graphs the contract suite runs against: the Entra sandbox started in-process (always), and a live
// tenant when GRAPH_CONTRACT_* variables name one. Each gives the suite the same things: a client
// factory, test users, and what it must never see in logs.
import { startSandbox } from '@tokenfleet/entra-sandbox';
import type { Sandbox } from '@tokenfleet/entra-sandbox';
import { createGraphClient } from '../../src/client';
import type { GraphClient, GraphClientOptions, GraphLogger, GraphUser } from '../../src/types';
import { sandboxClientOptions } from '../../src/sandbox-options';

export interface ContractEnvironment {
  /** Makes a client for this target; every client logs into `logLines`. */
  newClient(overrides?: Partial<GraphClientOptions>): GraphClient;
  /** The options newClient starts from (for tests that build their own variations). */
  baseOptions: GraphClientOptions;
  /** Distinct test users where the target has several; a live tenant may give the same one each time. */
  users: GraphUser[];
  /** The sandbox behind this target, for sandbox-only controls; null for a live tenant. */
  sandbox: Sandbox | null;
  /** host:port pairs (Host header form) the clients are allowed to reach. */
  allowedHosts: Set<string>;
  logLines: string[];
  stop(): Promise<void>;
}

export interface ContractTarget {
  name: string;
  available: boolean;
  start(): Promise<ContractEnvironment>;
}

/** A pino-like logger that keeps every line as JSON text, as a log shipper would see it. */
export function capturingLogger(lines: string[]): GraphLogger {
  const write = (level: string) => (fields: object, message?: string) => lines.push(JSON.stringify({ level, ...fields, msg: message }));
  return { info: write('info'), warn: write('warn'), error: write('error'), debug: write('debug') };
}

function hostOf(url: string): string {
  const parsed = new URL(url);
  return parsed.port === '' ? parsed.hostname : parsed.host;
}

/** A user whose name has a quote in it, to prove $filter literals are escaped. */
export const QUOTED_USER = {
  id: '0d1e2f30-0000-4000-8000-000000000a27',
  userPrincipalName: "dominique.o'hara@contoso.example",
  displayName: "Dominique O'Hara",
};

export function sandboxTarget(): ContractTarget {
  return {
    name: 'Entra sandbox (in-process)',
    available: true,
    async start() {
      const sandbox = await startSandbox({ users: [QUOTED_USER] });
      const logLines: string[] = [];
      const baseOptions: GraphClientOptions = sandboxClientOptions(sandbox, { timeoutMs: 10_000, logger: capturingLogger(logLines) });
      const clients: GraphClient[] = [];
      const fixedUpns = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].map((name) => `${name}@contoso.example`);
      const users = fixedUpns.map((upn) => {
        const user = sandbox.inspect.users().find((candidate) => candidate.userPrincipalName === upn);
        if (!user) throw new Error(`The sandbox has no ${upn}; the contract expects the sample users`);
        return { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName };
      });
      return {
        newClient(overrides = {}) {
          const client = createGraphClient({ ...baseOptions, ...overrides });
          clients.push(client);
          return client;
        },
        baseOptions,
        users,
        sandbox,
        allowedHosts: new Set([hostOf(sandbox.origin)]),
        logLines,
        async stop() {
          for (const client of clients) client.close();
          await sandbox.close();
        },
      };
    },
  };
}

export function liveTarget(environment: NodeJS.ProcessEnv = process.env): ContractTarget {
  const tenantId = environment.GRAPH_CONTRACT_TENANT_ID;
  const clientId = environment.GRAPH_CONTRACT_CLIENT_ID;
  const clientSecret = environment.GRAPH_CONTRACT_CLIENT_SECRET;
  const testUpn = environment.GRAPH_CONTRACT_TEST_UPN;
  const authorityHost = environment.GRAPH_CONTRACT_AUTHORITY_HOST ?? 'https://login.microsoftonline.com';
  const graphBaseUrl = environment.GRAPH_CONTRACT_GRAPH_BASE_URL ?? 'https://graph.microsoft.com';
  return {
    name: 'live Entra tenant',
    available: Boolean(tenantId && clientId && clientSecret && testUpn),
    async start() {
      const logLines: string[] = [];
      const baseOptions: GraphClientOptions = {
        tenantId: tenantId!,
        clientId: clientId!,
        clientSecret: clientSecret!,
        authorityHost,
        graphBaseUrl,
        logger: capturingLogger(logLines),
      };
      const clients: GraphClient[] = [];
      const newClient = (overrides: Partial<GraphClientOptions> = {}): GraphClient => {
        const client = createGraphClient({ ...baseOptions, ...overrides });
        clients.push(client);
        return client;
      };
      const user = await newClient().getUser(testUpn!);
      if (user.kind !== 'ok' || user.value === null) {
        throw new Error(`GRAPH_CONTRACT_TEST_UPN ${testUpn} could not be read from the tenant (${user.kind})`);
      }
      return {
        newClient,
        baseOptions,
        users: [user.value],
        sandbox: null,
        allowedHosts: new Set([hostOf(authorityHost), hostOf(graphBaseUrl)]),
        logLines,
        async stop() {
          for (const client of clients) client.close();
        },
      };
    },
  };
}
