import { startAdminApi } from '@gatehouse/admin-api';
import type { HttpAppHandle } from '@gatehouse/app-kit';
import type { Tenant } from '@gatehouse/data-access';
import { startIdpFixture, type IdpFixture } from '@gatehouse/testing';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  startGatewayHarness,
  type GatewayHarness,
  type TestCaller,
} from './support/gateway-harness';
import { connectClient } from './support/mcp-client';
import { InMemoryOAuthClient, publicHostFetch, REDIRECT_URL } from './support/oauth-client';
import { initializeBody, rawMcp } from './support/raw-mcp';

const PUBLIC_URL = 'http://gatehouse.test';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('per-tenant identity providers: tenant URLs and home-realm discovery', () => {
  let idpA: IdpFixture;
  let idpB: IdpFixture;
  let h: GatewayHarness;
  let admin: HttpAppHandle;
  let tenantB: Tenant;
  let memberB: TestCaller;
  let adminA: TestCaller;
  let adminB: TestCaller;
  let idpBId: string;
  let idpAId: string;
  let replica = 0;
  const now = () => Math.floor(Date.now() / 1000);
  const tenantUrl = (tenant: Tenant) => `${PUBLIC_URL}/t/${tenant.slug}/mcp`;
  const sign = (idp: IdpFixture, email: string, aud: string) =>
    idp.sign({ iss: idp.url, aud, email, scope: 'mcp:call', iat: now(), exp: now() + 300 });

  const adminCall = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${admin.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json().catch(() => null)) as never };
  };

  beforeAll(async () => {
    idpA = await startIdpFixture();
    idpB = await startIdpFixture({ registration: false });
    h = await startGatewayHarness({ env: { PUBLIC_URL } });
    admin = await startAdminApi(h.runtimes[0]!, { host: '127.0.0.1', port: 0, version: 'test' });
    const other = await h.addTenant('Tenant B', { alpha: h.upstreams.alpha.url });
    tenantB = other.tenant;
    memberB = other.member;
    adminA = await h.addCaller(['admin'], ['admin:*']);
    adminB = await h.addCaller(['admin'], ['admin:*'], tenantB.id);
    const a = await adminCall(
      'POST',
      `/tenants/${h.tenant.slug}/identity-providers`,
      adminA.token,
      {
        issuer: idpA.url,
        allowedEmailDomains: ['example.com'],
      },
    );
    expect(a.status).toBe(201);
    idpAId = (a.json as { id: string }).id;
    const b = await adminCall('POST', `/tenants/${tenantB.slug}/identity-providers`, adminB.token, {
      issuer: idpB.url,
    });
    expect(b.status).toBe(201);
    idpBId = (b.json as { id: string }).id;
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await h?.close();
    await idpA?.close();
    await idpB?.close();
  });

  it("signs in through the tenant's own IdP on its URL, unaided, and calls on replica A then B", async () => {
    const oauth = new InMemoryOAuthClient();
    const url = new URL(tenantUrl(h.tenant));
    const fetchVia = publicHostFetch(PUBLIC_URL, () => h.gateways[replica]!.url);
    const metadata = (await (
      await fetchVia(`${PUBLIC_URL}/.well-known/oauth-protected-resource/t/${h.tenant.slug}/mcp`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: url.href, authorization_servers: [idpA.url] });

    replica = 0;
    const first = new StreamableHTTPClientTransport(url, { authProvider: oauth, fetch: fetchVia });
    await expect(new Client({ name: 'c', version: '1' }).connect(first)).rejects.toThrow(
      UnauthorizedError,
    );
    expect(oauth.authorizationUrl!.origin).toBe(idpA.url);
    expect(oauth.authorizationUrl!.searchParams.get('resource')).toBe(url.href);
    const redirect = await idpA.signIn(
      oauth.authorizationUrl!,
      h.member.person.email,
      REDIRECT_URL,
    );
    await first.finishAuth(redirect.searchParams.get('code') ?? '');

    for (const index of [0, 1]) {
      replica = index;
      const client = new Client({ name: 'c', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(url, { authProvider: oauth, fetch: fetchVia }),
      );
      expect(
        textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: `on ${index}` } })),
      ).toBe(`on ${index}`);
      await client.close();
    }
    expect(
      h.audit.events.find((e) => e.personId === h.member.person.id && e.tool === 'echo'),
    ).toMatchObject({ tenantId: h.tenant.id, authIssuer: idpA.url });
  });

  it("refuses another tenant's IdP on this tenant's URL", async () => {
    const token = await sign(idpB, h.member.person.email, tenantUrl(h.tenant));
    const response = await rawMcp(h.gateways[0]!.url, initializeBody(), {
      token,
      path: `/t/${h.tenant.slug}/mcp`,
    });
    expect(response.status).toBe(401);
    expect(response.json.error?.data).toMatchObject({ reason: 'jwt_unknown_issuer' });
    expect(response.headers.get('www-authenticate')).toContain(
      `resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/t/${h.tenant.slug}/mcp"`,
    );
  });

  it("refuses a token issued for the shared /mcp on a tenant URL, and a tenant URL's on /mcp", async () => {
    const shared = await sign(idpA, h.member.person.email, `${PUBLIC_URL}/mcp`);
    const onTenant = await rawMcp(h.gateways[1]!.url, initializeBody(), {
      token: shared,
      path: `/t/${h.tenant.slug}/mcp`,
    });
    expect(onTenant.json.error?.data).toMatchObject({ reason: 'jwt_wrong_audience' });
    const scoped = await sign(idpA, h.member.person.email, tenantUrl(h.tenant));
    const onShared = await rawMcp(h.gateways[1]!.url, initializeBody(), { token: scoped });
    expect(onShared.json.error?.data).toMatchObject({ reason: 'jwt_wrong_audience' });
  });

  it("refuses another tenant's gth_ token on a tenant URL", async () => {
    const response = await rawMcp(h.gateways[0]!.url, initializeBody(), {
      token: memberB.token,
      path: `/t/${h.tenant.slug}/mcp`,
    });
    expect(response.status).toBe(401);
    expect(response.json.error?.data).toMatchObject({ reason: 'wrong_tenant' });
  });

  it('finds the tenant on the shared /mcp by issuer and email domain (home realm)', async () => {
    const { client } = await connectClient(
      h.gateways[1]!.url,
      await sign(idpB, memberB.person.email, `${PUBLIC_URL}/mcp`),
    );
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'realm B' } })),
    ).toBe('realm B');
    await client.close();
    expect(
      h.audit.events.find((e) => e.personId === memberB.person.id && e.tool === 'echo'),
    ).toMatchObject({ tenantId: tenantB.id, authIssuer: idpB.url });
  });

  it('applies allowed email domains, changed through the admin API, on every replica', async () => {
    const token = await sign(idpB, memberB.person.email, `${PUBLIC_URL}/mcp`);
    const patch = await adminCall(
      'PATCH',
      `/tenants/${tenantB.slug}/identity-providers/${idpBId}`,
      adminB.token,
      { allowedEmailDomains: ['b.example'] },
    );
    expect(patch.status).toBe(200);
    for (const gateway of h.gateways) {
      let reason: unknown;
      for (let i = 0; i < 100 && reason !== 'email_domain_not_allowed'; i++) {
        const response = await rawMcp(gateway.url, initializeBody(), { token });
        reason =
          response.json.error?.data && (response.json.error.data as { reason?: string }).reason;
        if (reason !== 'email_domain_not_allowed') await new Promise((r) => setTimeout(r, 100));
      }
      expect(reason).toBe('email_domain_not_allowed');
    }
  });

  it("adds the roles the IdP's group claim maps to (group -> role)", async () => {
    const patch = await adminCall(
      'PATCH',
      `/tenants/${h.tenant.slug}/identity-providers/${idpAId}`,
      adminA.token,
      { groupClaim: 'groups', groupRoles: { ops: 'approver' } },
    );
    expect(patch.status).toBe(200);
    const rule = await adminCall('POST', `/tenants/${h.tenant.slug}/policies`, adminA.token, {
      name: 'approvers-may-not-add',
      effect: 'deny',
      subjects: ['role:approver'],
      targets: { upstream: 'beta', tool: 'add' },
    });
    expect(rule.status).toBe(201);
    const aud = tenantUrl(h.tenant);
    const plain = await sign(idpA, h.member.person.email, aud);
    const inOps = await idpA.sign({
      iss: idpA.url,
      aud,
      email: h.member.person.email,
      groups: ['ops', 'unmapped'],
      scope: 'mcp:call',
      exp: now() + 300,
    });
    const path = `/t/${h.tenant.slug}/mcp`;
    let denied = false;
    for (let i = 0; i < 100 && !denied; i++) {
      const { client } = await connectClient(h.gateways[i % 2]!.url, inOps, { path });
      denied = await client
        .callTool({ name: 'beta__add', arguments: { a: 1, b: 2 } })
        .then(() => false)
        .catch((error: Error) => /denied by policy.*approvers-may-not-add/.test(error.message));
      await client.close();
      if (!denied) await new Promise((r) => setTimeout(r, 100));
    }
    expect(denied).toBe(true);
    const { client } = await connectClient(h.gateways[0]!.url, plain, { path });
    expect(textOf(await client.callTool({ name: 'beta__add', arguments: { a: 1, b: 2 } }))).toBe(
      '3',
    );
    await client.close();
  });

  describe('admin API', () => {
    it('validates, keeps jit provisioning off by default, and audits', async () => {
      const bad = await adminCall(
        'POST',
        `/tenants/${h.tenant.slug}/identity-providers`,
        adminA.token,
        {
          issuer: 'http://idp.example.com',
          clientSecretRef: 'hunter2',
        },
      );
      expect(bad.status).toBe(400);
      const jit = await adminCall(
        'POST',
        `/tenants/${h.tenant.slug}/identity-providers`,
        adminA.token,
        { issuer: 'https://jit.example.com', jitProvisioning: true },
      );
      expect(jit.status).toBe(400);
      const created = await adminCall(
        'POST',
        `/tenants/${h.tenant.slug}/identity-providers`,
        adminA.token,
        {
          issuer: 'https://login.example.com',
          clientId: 'gatehouse',
          clientSecretRef: 'env:IDP_SECRET',
        },
      );
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ jitProvisioning: false, personClaim: 'email' });
      const audit = await adminCall(
        'GET',
        `/tenants/${h.tenant.slug}/audit?limit=100`,
        adminA.token,
      );
      const methods = (audit.json as { items: { method: string }[] }).items.map((e) => e.method);
      expect(methods).toContain('admin.identity-providers.create');
    });

    it("never shows or changes another tenant's identity providers", async () => {
      const response = await adminCall(
        'GET',
        `/tenants/${tenantB.slug}/identity-providers/${idpBId}`,
        adminA.token,
      );
      expect([403, 404]).toContain(response.status);
      const viaOwn = await adminCall(
        'GET',
        `/tenants/${h.tenant.slug}/identity-providers/${idpBId}`,
        adminA.token,
      );
      expect(viaOwn.status).toBe(404);
    });
  });
});
