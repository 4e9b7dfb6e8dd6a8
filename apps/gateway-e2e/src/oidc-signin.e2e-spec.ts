import { createHmac, createPublicKey } from 'node:crypto';
import { startAdminApi } from '@gatehouse/admin-api';
import type { HttpAppHandle } from '@gatehouse/app-kit';
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
const RESOURCE = `${PUBLIC_URL}/mcp`;
const ADMIN_AUDIENCE = 'gatehouse-admin-api';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('sign-in with the organisation IdP: JWT access tokens on /mcp', () => {
  let idp: IdpFixture;
  let h: GatewayHarness;
  let admin: HttpAppHandle;
  let member: TestCaller;
  let denied: TestCaller;
  let replica = 0;
  const gatewayFetch = () => publicHostFetch(PUBLIC_URL, () => h.gateways[replica]!.url);
  const now = () => Math.floor(Date.now() / 1000);

  /** A token the IdP signs with its own key; `claims` override the valid defaults. */
  const jwt = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    idp.sign(
      {
        iss: idp.url,
        aud: RESOURCE,
        email: member.person.email,
        scope: 'mcp:call',
        client_id: 'some-client',
        iat: now(),
        exp: now() + 300,
        ...claims,
      },
      header,
    );

  beforeAll(async () => {
    idp = await startIdpFixture();
    h = await startGatewayHarness({
      env: { OIDC_ISSUER: idp.url, OIDC_AUDIENCE: ADMIN_AUDIENCE, PUBLIC_URL },
    });
    admin = await startAdminApi(h.runtimes[0]!, { host: '127.0.0.1', port: 0, version: 'test' });
    member = await h.addCaller(['member']);
    denied = await h.addCaller(['member']);
    await h.runtimes[0]!.repos.policies.create(h.tenant.id, {
      name: 'no-echo-for-this-person',
      effect: 'deny',
      subjects: [`person:${denied.person.id}`],
      targets: { upstream: 'alpha', tool: 'echo' },
    });
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await h?.close();
    await idp?.close();
  });

  /** The official SDK client with its OAuth provider, signing in as `email` when sent there. */
  async function signInWithSdk(email: string, path = '/mcp') {
    const oauth = new InMemoryOAuthClient();
    const connect = async () => {
      const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${PUBLIC_URL}${path}`), {
        authProvider: oauth,
        fetch: gatewayFetch(),
      });
      await client.connect(transport);
      return { client, transport };
    };
    const first = new StreamableHTTPClientTransport(new URL(`${PUBLIC_URL}${path}`), {
      authProvider: oauth,
      fetch: gatewayFetch(),
    });
    await expect(
      new Client({ name: 'oauth-e2e', version: '1.0.0' }).connect(first),
    ).rejects.toThrow(UnauthorizedError);
    expect(oauth.authorizationUrl).toBeDefined();
    const redirect = await idp.signIn(oauth.authorizationUrl!, email, REDIRECT_URL);
    await first.finishAuth(redirect.searchParams.get('code') ?? '');
    return { oauth, connect };
  }

  it('lets the SDK OAuth client sign in unaided (RFC 9728, registration, PKCE) and call on replica A then B', async () => {
    replica = 0;
    const { oauth, connect } = await signInWithSdk(member.person.email);
    // The authorization request named our resource and used PKCE S256.
    expect(oauth.authorizationUrl!.searchParams.get('resource')).toBe(RESOURCE);
    expect(oauth.authorizationUrl!.searchParams.get('code_challenge_method')).toBe('S256');
    expect(oauth.clientInformation()?.client_id).toBeTruthy();
    const accessToken = oauth.tokens()!.access_token;
    expect(accessToken.startsWith('gth_')).toBe(false);

    const a = await connect();
    expect((await a.client.listTools()).tools.map((t) => t.name)).toContain('alpha__echo');
    expect(
      textOf(await a.client.callTool({ name: 'alpha__echo', arguments: { text: 'from A' } })),
    ).toBe('from A');
    await a.client.close();
    replica = 1;
    const b = await connect();
    expect(
      textOf(await b.client.callTool({ name: 'beta__echo', arguments: { text: 'from B' } })),
    ).toBe('from B');
    await b.client.close();

    const call = h.audit.events.find((e) => e.tool === 'echo' && e.upstream === 'beta');
    expect(call).toMatchObject({
      personId: member.person.id,
      tokenId: null,
      authIssuer: idp.url,
      authClientId: oauth.clientInformation()!.client_id,
      outcome: 'ok',
    });
    expect(JSON.stringify(h.audit.events)).not.toContain(accessToken);
  });

  it('accepts the same token on /mcp/:upstream, with the 2025 and the pass-through names', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, await jwt(), { path: '/mcp/alpha' });
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'direct' } }))).toBe(
      'direct',
    );
    await client.close();
  });

  const refusals: [string, string, () => Promise<string>][] = [
    ['for another audience', 'jwt_wrong_audience', () => jwt({ aud: 'https://other.example/mcp' })],
    ['for the admin API', 'jwt_wrong_audience', () => jwt({ aud: ADMIN_AUDIENCE })],
    ['expired', 'jwt_expired', () => jwt({ exp: now() - 600, iat: now() - 900 })],
    ['from another issuer', 'jwt_unknown_issuer', () => jwt({ iss: 'https://evil.example' })],
    [
      'unsigned (alg none)',
      'jwt_unsigned',
      async () => {
        const [, payload] = (await jwt()).split('.');
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString(
          'base64url',
        );
        return `${header}.${payload}.`;
      },
    ],
    [
      'HS256-signed with the RSA public key',
      'jwt_algorithm_not_allowed',
      async () => {
        const jwks = (await (await fetch(`${idp.url}/jwks`)).json()) as { keys: object[] };
        const pem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        const [, payload] = (await jwt()).split('.');
        const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'fixture-1' })).toString(
          'base64url',
        );
        const signature = createHmac('sha256', pem).update(`${header}.${payload}`).digest();
        return `${header}.${payload}.${signature.toString('base64url')}`;
      },
    ],
    [
      'with a tampered signature',
      'jwt_bad_signature',
      async () => {
        const [header, payload, signature = ''] = (await jwt()).split('.');
        const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
        return `${header}.${payload}.${flipped}`;
      },
    ],
    [
      'with a tampered payload',
      'jwt_bad_signature',
      async () => {
        const [header, , signature] = (await jwt()).split('.');
        const other = Buffer.from(
          JSON.stringify({
            iss: idp.url,
            aud: RESOURCE,
            email: 'mallory@example.com',
            exp: now() + 300,
          }),
        ).toString('base64url');
        return `${header}.${other}.${signature}`;
      },
    ],
    ['without the person claim', 'jwt_missing_claim', () => jwt({ email: undefined })],
    ['naming nobody', 'unknown_person', () => jwt({ email: 'nobody@example.com' })],
  ];

  it.each(refusals)(
    'refuses a JWT %s with 401 and the reason, reaching no upstream',
    async (_, reason, make) => {
      const token = await make();
      const before =
        h.upstreams.alpha.receivedHeaders.length + h.upstreams.beta.receivedHeaders.length;
      for (const gateway of h.gateways) {
        const response = await rawMcp(gateway.url, initializeBody(), { token });
        expect(response.status).toBe(401);
        const challenge = response.headers.get('www-authenticate') ?? '';
        expect(challenge).toContain(
          `resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource"`,
        );
        expect(challenge).toContain('error="invalid_token"');
        expect(response.json.error?.data).toMatchObject({ code: 'unauthorized', reason });
      }
      expect(
        h.upstreams.alpha.receivedHeaders.length + h.upstreams.beta.receivedHeaders.length,
      ).toBe(before);
    },
  );

  it('answers 403 insufficient_scope, naming the scope, to a JWT without mcp:call', async () => {
    const response = await rawMcp(h.gateways[0]!.url, initializeBody(), {
      token: await jwt({ scope: 'openid email' }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp:call"');
  });

  it('takes `mcp` as the mcp:call scope and keeps upstream: scopes narrowing', async () => {
    const { client } = await connectClient(
      h.gateways[0]!.url,
      await jwt({ scope: 'mcp upstream:beta' }),
    );
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('beta__'))).toBe(true);
    await client.close();
  });

  it('applies a per-person deny policy to a JWT caller, and the audit event names person and issuer', async () => {
    const token = await jwt({ email: denied.person.email, client_id: 'desk-app' });
    const { client } = await connectClient(h.gateways[1]!.url, token);
    const before = h.upstreams.alpha.callCounts.get('echo') ?? 0;
    await expect(
      client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }),
    ).rejects.toThrow(/denied by policy.*no-echo-for-this-person/);
    expect(h.upstreams.alpha.callCounts.get('echo') ?? 0).toBe(before);
    await client.close();
    expect(
      h.audit.events.find((e) => e.personId === denied.person.id && e.tool === 'echo'),
    ).toMatchObject({ outcome: 'denied', authIssuer: idp.url, authClientId: 'desk-app' });
  });

  it('refuses a disabled person on every replica at once, though their token is still valid', async () => {
    const person = await h.addCaller(['member']);
    const administrator = await h.addCaller(['admin'], ['admin:*']);
    const token = await jwt({ email: person.person.email });
    for (const gateway of h.gateways) {
      expect((await rawMcp(gateway.url, initializeBody(), { token })).status).toBe(200);
    }
    const patch = await fetch(
      `${admin.url}/api/v1/tenants/${h.tenant.id}/people/${person.person.id}`,
      {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${administrator.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ status: 'disabled' }),
      },
    );
    expect(patch.status).toBe(200);
    // The cached mapping would live 30 s; the bus message must drop it on both replicas.
    for (const gateway of h.gateways) {
      let status = 0;
      for (let i = 0; i < 100 && status !== 401; i++) {
        status = (await rawMcp(gateway.url, initializeBody(), { token })).status;
        if (status !== 401) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(401);
      const refused = await rawMcp(gateway.url, initializeBody(), { token });
      expect(refused.json.error?.data).toMatchObject({ reason: 'disabled_person' });
    }
  });

  it('names the IdP in the protected-resource metadata', async () => {
    const metadata = (await (
      await fetch(`${h.gateways[0]!.url}/.well-known/oauth-protected-resource`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      resource: RESOURCE,
      authorization_servers: [idp.url],
      scopes_supported: ['mcp:call'],
    });
  });

  describe('the admin API has its own audience', () => {
    const people = () => `${admin.url}/api/v1/tenants/${h.tenant.slug}/people`;
    const get = (token: string) =>
      fetch(people(), { headers: { authorization: `Bearer ${token}` } });

    it('refuses a gateway-audience token with 401 and says why', async () => {
      const response = await get(await jwt({ email: h.admin.person.email }));
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: { details: { reason: string } } };
      expect(body.error.details.reason).toBe('jwt_wrong_audience');
    });

    it('gives a JWT with scope mcp no admin rights, even for an admin', async () => {
      const token = await jwt({ email: h.admin.person.email, aud: ADMIN_AUDIENCE, scope: 'mcp' });
      expect((await get(token)).status).toBe(403);
      const mint = await fetch(`${people()}/${h.admin.person.id}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'escalate', scopes: ['mcp:call'] }),
      });
      expect(mint.status).toBe(403);
    });

    it('honours the admin scopes a JWT carries', async () => {
      const reader = await jwt({
        email: h.admin.person.email,
        aud: ADMIN_AUDIENCE,
        scope: 'admin:read',
      });
      expect((await get(reader)).status).toBe(200);
      const write = await fetch(people(), {
        method: 'POST',
        headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'new@example.com', name: 'New', roles: ['member'] }),
      });
      expect(write.status).toBe(403);
    });
  });
});
