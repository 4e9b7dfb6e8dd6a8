import { randomBytes } from 'node:crypto';
import { startAdminApi } from '@gatehouse/admin-api';
import type { HttpAppHandle } from '@gatehouse/app-kit';
import { SecretBox } from '@gatehouse/auth';
import { BusChannels } from '@gatehouse/bus';
import { startFixtureUpstream, type FixtureUpstream } from '@gatehouse/testing';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './support/mcp-client';
import {
  startGatewayHarness,
  type GatewayHarness,
  type TestCaller,
} from './support/gateway-harness';

/**
 * The key-rotation procedure of docs/deploy.md ("Rotate the encryption key"): values sealed with
 * the old key are never sent and say what to do; re-entering them through the admin API, which
 * seals with the new key, brings the upstreams back.
 */
/** One key for every replica (without it each runtime makes up its own). */
const key = randomBytes(32).toString('base64');

describe('encryption key rotation', () => {
  let h: GatewayHarness;
  let admin: HttpAppHandle;
  let shared: FixtureUpstream;
  let personal: FixtureUpstream;
  let tenantAdmin: TestCaller;
  let alice: TestCaller;
  const oldKey = new SecretBox(randomBytes(32).toString('base64'));
  const sharedToken = `shared-${randomBytes(12).toString('hex')}`;
  const aliceToken = `alice-${randomBytes(12).toString('hex')}`;
  let sharedId: string;
  let personalId: string;

  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 1,
      env: { UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true', GATEHOUSE_ENCRYPTION_KEY: key },
    });
    admin = await startAdminApi(h.runtimes[0]!, { host: '127.0.0.1', port: 0, version: 'test' });
    shared = await startFixtureUpstream({ name: 'shared', requireBearer: sharedToken });
    personal = await startFixtureUpstream({ name: 'personal', requireBearer: [aliceToken] });
    tenantAdmin = await h.addCaller(['admin'], ['mcp:call', 'admin:*']);
    alice = await h.addCaller(['member'], ['mcp:call', 'admin:write']);
    const repos = h.runtimes[0]!.repos;
    // What the database holds after step 2 (new key deployed): values sealed with the old key.
    sharedId = (
      await repos.upstreams.create(h.tenant.id, {
        slug: 'shared',
        name: 'shared',
        url: shared.url,
        annotationsTrusted: true,
        credentials: oldKey.seal(JSON.stringify({ bearerToken: sharedToken })),
      })
    ).id;
    personalId = (
      await repos.upstreams.create(h.tenant.id, {
        slug: 'personal',
        name: 'personal',
        url: personal.url,
        annotationsTrusted: true,
        authMode: 'per_person_secret',
      })
    ).id;
    await repos.upstreamCredentials.set(h.tenant.id, personalId, alice.person.id, {
      secret: oldKey.seal(JSON.stringify({ bearerToken: aliceToken })),
      prefix: 'alic…',
    });
    await h.runtimes[0]!.bus.publish(BusChannels.tenantConfigChanged, { tenantId: h.tenant.id });
  }, 60_000);

  afterAll(async () => {
    await admin?.close();
    await shared?.close();
    await personal?.close();
    await h?.close();
  });

  async function put(path: string, method: string, body: unknown): Promise<number> {
    const response = await fetch(`${admin.url}/api/v1/tenants/${h.tenant.id}${path}`, {
      method,
      headers: { authorization: `Bearer ${tenantAdmin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.status;
  }

  it('sends nothing sealed with the old key and names what to do', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, alice.token);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.some((n) => n.startsWith('shared__') || n.startsWith('personal__'))).toBe(false);
    expect(names).toContain('alpha__echo');
    const refused = await client
      .callTool({ name: 'personal__echo', arguments: { text: 'old key' } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).data).toMatchObject({
      code: 'upstream_credential_unreadable',
      setCredential: `PUT /api/v1/tenants/${h.tenant.id}/people/${alice.person.id}/upstream-credentials/${personalId}`,
    });
    await client.close();
    expect(shared.receivedHeaders).toEqual([]);
    expect(personal.receivedHeaders).toEqual([]);
  });

  it('works again once the credentials are re-entered through the admin API (steps 3 and 4)', async () => {
    expect(
      await put(`/upstreams/${sharedId}`, 'PATCH', { credentials: { bearerToken: sharedToken } }),
    ).toBe(200);
    expect(
      await put(`/people/${alice.person.id}/upstream-credentials/${personalId}`, 'PUT', {
        bearerToken: aliceToken,
      }),
    ).toBe(200);
    const { client } = await connectClient(h.gateways[0]!.url, alice.token);
    for (const slug of ['shared', 'personal']) {
      const result = (await client.callTool({
        name: `${slug}__echo`,
        arguments: { text: `new key ${slug}` },
      })) as CallToolResult;
      expect((result.content[0] as { text: string }).text).toBe(`new key ${slug}`);
    }
    await client.close();
    expect(new Set(personal.receivedHeaders.map((r) => r.headers.authorization))).toEqual(
      new Set([`Bearer ${aliceToken}`]),
    );
  });
});
