// The directory: users by id or UPN, user search with startswith and OData string escaping, paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { startSandbox } from '../src/index';
import type { Reply, SandboxClient } from './client';
import { sandboxClient } from './client';

let sandbox: Sandbox;
let client: SandboxClient;

const SAMPLE_UPNS = ['user1', 'user2', 'user3', 'user4', 'user5', 'user6', 'alice', 'bob', 'carol', 'dave', 'erin', 'peggy', 'judy', 'mallory', 'frank', 'grace', 'heidi', 'ivan', 'niaj', 'olivia'].map(
  (name) => `${name}@contoso.example`,
);

beforeAll(async () => {
  sandbox = await startSandbox({ generatedUsers: 120, users: [{ id: '0badc0de-0000-4000-8000-000000000001', userPrincipalName: 'extra@contoso.example', displayName: 'Extra Person' }] });
  client = sandboxClient(sandbox);
});

afterAll(async () => {
  client.close();
  await sandbox.close();
});

const search = (filter: string, extra = ''): Promise<Reply> => client.graph('GET', `/v1.0/users?$filter=${encodeURIComponent(filter)}${extra}`);
const upns = (reply: Reply): string[] => reply.body.value.map((user: { userPrincipalName: string }) => user.userPrincipalName);

describe('seeded users', () => {
  it('cover every UPN of the sample seed files, the generated ones, one guest and the extra users', () => {
    const users = sandbox.inspect.users();
    const all = new Set(users.map((user) => user.userPrincipalName));
    for (const upn of SAMPLE_UPNS) expect(all.has(upn), upn).toBe(true);
    expect(users.filter((user) => user.userType === 'Guest')).toHaveLength(1);
    expect(users).toHaveLength(SAMPLE_UPNS.length + 120 + 1 + 1);
    expect(new Set(users.map((user) => user.id)).size).toBe(users.length);
    expect(all.size).toBe(users.length);
  });

  it('have the same ids in every sandbox', async () => {
    const other = await startSandbox({ generatedUsers: 120 });
    try {
      const ids = new Map(other.inspect.users().map((user) => [user.userPrincipalName, user.id]));
      for (const user of sandbox.inspect.users().filter((candidate) => candidate.userPrincipalName !== 'extra@contoso.example')) {
        expect(ids.get(user.userPrincipalName)).toBe(user.id);
      }
    } finally {
      await other.close();
    }
  });
});

describe('GET /users/{id | userPrincipalName}', () => {
  it('finds a user by id, by UPN in any case, and a guest by URL-encoded UPN, on beta and v1.0', async () => {
    const alice = sandbox.inspect.users().find((user) => user.userPrincipalName === 'alice@contoso.example')!;
    const byId = await client.graph('GET', `/v1.0/users/${alice.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id: alice.id, userPrincipalName: 'alice@contoso.example', displayName: 'Alice Anderson' });
    expect((await client.graph('GET', '/beta/users/Alice%40CONTOSO.example')).body.id).toBe(alice.id);
    const guest = sandbox.inspect.users().find((user) => user.userType === 'Guest')!;
    const byGuestUpn = await client.graph('GET', `/beta/users/${encodeURIComponent(guest.userPrincipalName)}?$select=id,userType`);
    expect(byGuestUpn.body).toEqual({ '@odata.context': expect.any(String), id: guest.id, userType: 'Guest' });
  });

  it('answers 404 Request_ResourceNotFound for an unknown user', async () => {
    const reply = await client.graph('GET', '/v1.0/users/nobody@contoso.example');
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('Request_ResourceNotFound');
    expect(reply.body.error.message).toContain('nobody@contoso.example');
  });
});

describe('user search', () => {
  it('matches startswith on UPN or display name, case-insensitively', async () => {
    const reply = await search("startswith(userPrincipalName,'AL') or startswith(displayName,'al')");
    expect(reply.status).toBe(200);
    expect(upns(reply)).toContain('alice@contoso.example');
    for (const user of reply.body.value as Array<{ userPrincipalName: string; displayName: string }>) {
      expect(user.userPrincipalName.toLowerCase().startsWith('al') || user.displayName.toLowerCase().startsWith('al'), user.userPrincipalName).toBe(true);
    }
    const expected = sandbox.inspect.users().filter((user) => /^al/i.test(user.userPrincipalName) || /^al/i.test(user.displayName));
    expect(reply.body.value).toHaveLength(expected.length);
    const counted = await search("startswith(displayName,'a')", '&$count=true&$top=1');
    expect(counted.body.value).toHaveLength(1);
    expect(counted.body['@odata.count']).toBe(sandbox.inspect.users().filter((user) => /^a/i.test(user.displayName)).length);
  });

  it("reads '' inside a string literal as one quote", async () => {
    const reply = await search("startswith(displayName,'Olivia O''B')");
    expect(upns(reply)).toEqual(['olivia@contoso.example']);
    const generated = await search("startswith(surname,'O''C')");
    expect(generated.body.value.length).toBeGreaterThan(0);
    expect(generated.body.value.every((user: { surname: string }) => user.surname === "O'Connor")).toBe(true);
  });

  it('refuses an unbalanced quote instead of guessing', async () => {
    const reply = await search("startswith(displayName,'Olivia O'B')");
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('Request_UnsupportedQuery');
  });

  it('honours $top and pages with nextLink', async () => {
    const first = await client.graph('GET', '/v1.0/users?$top=50');
    expect(first.body.value).toHaveLength(50);
    const seen: string[] = upns(first);
    let next: string | undefined = first.body['@odata.nextLink'];
    while (next) {
      const page: Reply = await client.graph('GET', next);
      seen.push(...upns(page));
      next = page.body['@odata.nextLink'];
    }
    expect(seen).toEqual(sandbox.inspect.users().map((user) => user.userPrincipalName));
  });
});
