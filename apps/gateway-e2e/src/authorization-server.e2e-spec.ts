import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startIdpFixture, type IdpFixture } from '@gatehouse/testing';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt } from 'jose';
import {
  startAuthorizationServerProcess,
  type AuthorizationServerProcess,
} from './support/authorization-server-process';
import { HeadlessBrowser } from './support/browser';
import { launchChromium } from './support/console-browser';
import {
  serveClientMetadataDocument,
  type ClientMetadataHost,
} from './support/client-metadata-document';
import { freePort } from './support/free-port';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';
import { InMemoryOAuthClient, REDIRECT_URL } from './support/oauth-client';

const PUBLIC_URL = 'http://gatehouse.test';
const RESOURCE = `${PUBLIC_URL}/mcp`;
const IDP_SECRET = randomBytes(16).toString('hex');

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('Gatehouse as the authorization server for MCP clients (two replicas of each)', () => {
  let idp: IdpFixture;
  let h: GatewayHarness;
  let servers: AuthorizationServerProcess[] = [];
  let cimd: ClientMetadataHost;
  let issuer = '';
  let gatewayReplica = 0;
  let asReplica = 0;

  /**
   * The load balancer in front of both apps: the gateway's public host goes to the gateway
   * replica chosen now, the issuer's to the authorization-server replica chosen now (and
   * every request to the issuer alternates replicas, so each step lands on another one).
   */
  const balanced: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const publicHost = url.host;
    if (url.host === new URL(PUBLIC_URL).host) {
      url.host = new URL(h.gateways[gatewayReplica]!.url).host;
      url.protocol = 'http:';
    } else if (url.origin === issuer) {
      url.host = new URL(servers[asReplica++ % servers.length]!.url).host;
    }
    const request = input instanceof Request ? new Request(url, input) : new Request(url, init);
    // As an ingress does: the app sees the host the client asked for.
    request.headers.set('x-forwarded-host', publicHost);
    return fetch(request, input instanceof Request ? init : undefined);
  };

  beforeAll(async () => {
    const ports = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${ports[0]}`;
    idp = await startIdpFixture({
      registration: false,
      clients: [
        {
          client_id: 'gatehouse',
          client_secret: IDP_SECRET,
          redirect_uris: [`${issuer}/federation/callback`],
        },
      ],
    });
    const env = {
      PUBLIC_URL,
      OIDC_ISSUER: issuer,
      AUTHORIZATION_SERVER_ISSUER: issuer,
      GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // Short, so that one test can watch the SDK refresh after expiry (the gateway allows
      // 30 s of clock skew on top).
      AUTHORIZATION_SERVER_ACCESS_TOKEN_TTL_SECONDS: '5',
    };
    h = await startGatewayHarness({ env });
    await h.runtimes[0]!.repos.identityProviders.create(h.tenant.id, {
      issuer: idp.url,
      clientId: 'gatehouse',
      clientSecretRef: 'env:E2E_TENANT_IDP_SECRET',
      allowedEmailDomains: ['example.com'],
    });
    cimd = await serveClientMetadataDocument((clientId) => ({
      client_id: clientId,
      client_name: 'e2e metadata-document client',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }));
    for (const port of ports) {
      servers.push(
        await startAuthorizationServerProcess(
          {
            ...h.env,
            ...env,
            E2E_TENANT_IDP_SECRET: IDP_SECRET,
            // Test mode: the client's metadata document is on loopback, with a test CA.
            UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
            NODE_EXTRA_CA_CERTS: cimd.caFile,
          },
          port,
        ),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    await h?.close();
    await idp?.close();
    await cimd?.close();
  });

  /** The official SDK client, unaided but for the person's browser. */
  async function signIn(
    email: string,
    decision: 'allow' | 'deny' = 'allow',
    oauth = new InMemoryOAuthClient(),
  ) {
    const transport = () =>
      new StreamableHTTPClientTransport(new URL(RESOURCE), {
        authProvider: oauth,
        fetch: balanced,
      });
    const first = transport();
    await expect(new Client({ name: 'as-e2e', version: '1.0.0' }).connect(first)).rejects.toThrow(
      UnauthorizedError,
    );
    const browser = new HeadlessBrowser(balanced);
    const redirect = await browser.run(oauth.authorizationUrl!, REDIRECT_URL, {
      email,
      decision,
    });
    return { oauth, browser, redirect, first, transport };
  }

  it('signs a person in through the tenant IdP with the SDK client (registration, PKCE, resource, consent) and calls on replica A then B', async () => {
    const { oauth, browser, redirect, first, transport } = await signIn(h.member.person.email);
    const url = oauth.authorizationUrl!;
    expect(url.origin).toBe(issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(RESOURCE);
    // Registered dynamically: the IdP fixture offers none, so this is Gatehouse's registration.
    const clientId = oauth.clientInformation()!.client_id;
    expect(clientId).toBeTruthy();
    // The sign-in page asked for the email, the IdP signed the person in, the consent page named the client.
    expect(browser.pages.some((p) => p.html.includes('name="email"'))).toBe(true);
    const consent = browser.pages.find((p) => p.html.includes('name="decision"'));
    expect(consent?.html).toContain('e2e OAuth client');
    expect(consent?.html).toContain(h.member.person.email);
    await first.finishAuth(redirect.searchParams.get('code') ?? '');

    const tokens = oauth.tokens()!;
    expect(tokens.refresh_token).toBeTruthy();
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      iss: issuer,
      aud: RESOURCE,
      client_id: clientId,
      email: h.member.person.email,
      tenant_id: h.tenant.id,
      scope: 'mcp:call',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(5);

    for (const [replica, upstream] of [
      [0, 'alpha'],
      [1, 'beta'],
    ] as const) {
      gatewayReplica = replica;
      const client = new Client({ name: 'as-e2e', version: '1.0.0' });
      await client.connect(transport());
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(`${upstream}__echo`);
      const result = await client.callTool({
        name: `${upstream}__echo`,
        arguments: { text: `via ${upstream}` },
      });
      expect(textOf(result)).toBe(`via ${upstream}`);
      await client.close();
    }
    const call = h.audit.events.find((e) => e.upstream === 'beta' && e.tool === 'echo');
    expect(call).toMatchObject({
      personId: h.member.person.id,
      authIssuer: issuer,
      authClientId: clientId,
    });
  });

  it('lets the SDK refresh by itself once the access token expired, on the other replicas', async () => {
    const caller = await h.addCaller(['member']);
    const { oauth, redirect, first, transport } = await signIn(caller.person.email);
    await first.finishAuth(redirect.searchParams.get('code') ?? '');
    const before = oauth.tokens()!;
    const exp = decodeJwt(before.access_token).exp ?? 0;
    // Past exp and the gateway's 30 s of skew: the gateway answers 401 jwt_expired.
    await new Promise((r) => setTimeout(r, (exp + 32) * 1000 - Date.now()));
    gatewayReplica = 1;
    const client = new Client({ name: 'as-e2e', version: '1.0.0' });
    await client.connect(transport());
    expect(
      textOf(await client.callTool({ name: 'beta__echo', arguments: { text: 'refreshed' } })),
    ).toBe('refreshed');
    await client.close();
    const after = oauth.tokens()!;
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
  }, 90_000);

  it('takes a Client ID Metadata Document as the client id (no registration), fetched by the AS', async () => {
    const caller = await h.addCaller(['member']);
    const oauth = Object.assign(new InMemoryOAuthClient(), { clientMetadataUrl: cimd.clientId });
    const { browser, redirect, first, transport } = await signIn(
      caller.person.email,
      'allow',
      oauth,
    );
    expect(oauth.authorizationUrl!.searchParams.get('client_id')).toBe(cimd.clientId);
    expect(cimd.fetches()).toBeGreaterThan(0);
    const consent = browser.pages.find((p) => p.html.includes('name="decision"'));
    expect(consent?.html).toContain('e2e metadata-document client');
    await first.finishAuth(redirect.searchParams.get('code') ?? '');
    expect(decodeJwt(oauth.tokens()!.access_token)).toMatchObject({
      client_id: cimd.clientId,
      aud: RESOURCE,
      email: caller.person.email,
    });
    gatewayReplica = 1;
    const client = new Client({ name: 'as-e2e', version: '1.0.0' });
    await client.connect(transport());
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'cimd' } })),
    ).toBe('cimd');
    await client.close();
  });

  it('signs in and consents in a real browser (Chromium), by keyboard alone', async () => {
    const caller = await h.addCaller(['member']);
    // The client's loopback redirect listener (Chromium refuses the other tests' port 9).
    const listener = createServer((_req, res) => res.end('signed in'));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const callback = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/oauth/callback`;
    const oauth = new (class extends InMemoryOAuthClient {
      override get redirectUrl() {
        return callback;
      }
      override get clientMetadata() {
        return { ...super.clientMetadata, redirect_uris: [callback] };
      }
    })();
    const first = new StreamableHTTPClientTransport(new URL(RESOURCE), {
      authProvider: oauth,
      fetch: balanced,
    });
    await expect(new Client({ name: 'as-e2e', version: '1.0.0' }).connect(first)).rejects.toThrow(
      UnauthorizedError,
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(oauth.authorizationUrl!.href);
      // Sign-in page: the email field has the focus; type, Enter.
      await page.waitForSelector('h1:has-text("Sign in to Gatehouse")');
      expect(
        await page.evaluate<string | null>('document.activeElement.getAttribute("name")'),
      ).toBe('email');
      expect(await page.textContent('label[for="email"]')).toBe('Work email');
      await page.keyboard.type(caller.person.email);
      await page.keyboard.press('Enter');
      // The IdP signs the person in (login_hint), then Gatehouse asks for consent.
      await page.waitForSelector('h1:has-text("Allow e2e OAuth client?")');
      expect(await page.textContent('main')).toContain(caller.person.email);
      // Allow has the focus; Tab reaches Deny, Shift+Tab comes back; Enter allows.
      const focused = () => page.evaluate<string | null>('document.activeElement.textContent');
      expect(await focused()).toBe('Allow');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Deny');
      await page.keyboard.press('Shift+Tab');
      expect(await focused()).toBe('Allow');
      await Promise.all([
        page.waitForURL((url) => url.href.startsWith(callback)),
        page.keyboard.press('Enter'),
      ]);
      const code = new URL(page.url()).searchParams.get('code');
      expect(code).toBeTruthy();
      await first.finishAuth(code ?? '');
      expect(decodeJwt(oauth.tokens()!.access_token)).toMatchObject({
        email: caller.person.email,
        aud: RESOURCE,
      });
    } finally {
      await browser.close();
      listener.close();
    }
  });

  async function tokenRequest(params: Record<string, string>) {
    const response = await balanced(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  it('rotates refresh tokens on any replica, refuses a reused one, and revokes (RFC 7009)', async () => {
    const caller = await h.addCaller(['member']);
    const { oauth, redirect, first } = await signIn(caller.person.email);
    await first.finishAuth(redirect.searchParams.get('code') ?? '');
    const clientId = oauth.clientInformation()!.client_id;
    const firstRefresh = oauth.tokens()!.refresh_token!;

    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: firstRefresh,
      client_id: clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['refresh_token']).not.toBe(firstRefresh);
    expect(decodeJwt(refreshed.body['access_token']!)).toMatchObject({
      aud: RESOURCE,
      email: caller.person.email,
    });
    // The new access token works on the gateway.
    const response = await fetch(`${h.gateways[1]!.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${refreshed.body['access_token']}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    expect(response.status).toBe(200);

    // The rotated-out token is refused.
    const reused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: firstRefresh,
      client_id: clientId,
    });
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    // Sign in again, then revoke the refresh token: it no longer refreshes.
    const again = await signIn(caller.person.email);
    await again.first.finishAuth(again.redirect.searchParams.get('code') ?? '');
    const refresh = again.oauth.tokens()!.refresh_token!;
    const revoked = await balanced(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: refresh,
        token_type_hint: 'refresh_token',
        client_id: again.oauth.clientInformation()!.client_id,
      }),
    });
    expect(revoked.status).toBe(200);
    const afterRevocation = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: refresh,
      client_id: again.oauth.clientInformation()!.client_id,
    });
    expect(afterRevocation).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses the access tokens of a revoked grant on every gateway replica (RFC 7009 revocation)', async () => {
    const caller = await h.addCaller(['member']);
    const { oauth, redirect, first } = await signIn(caller.person.email);
    await first.finishAuth(redirect.searchParams.get('code') ?? '');
    const { access_token: accessToken, refresh_token: refreshToken } = oauth.tokens()!;
    expect(decodeJwt(accessToken)['grant_id']).toEqual(expect.any(String));
    const initialize = (gateway: string) =>
      fetch(`${gateway}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        }),
      });
    for (const gateway of h.gateways) expect((await initialize(gateway.url)).status).toBe(200);

    const revoked = await balanced(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: refreshToken ?? '',
        token_type_hint: 'refresh_token',
        client_id: oauth.clientInformation()!.client_id,
      }),
    });
    expect(revoked.status).toBe(200);
    // Every replica refuses the still-unexpired access token (the bus carries the revocation;
    // measured, not asserted: the machine is shared).
    const started = Date.now();
    for (const gateway of h.gateways) {
      for (;;) {
        const response = await initialize(gateway.url);
        if (response.status === 401) {
          expect(response.headers.get('www-authenticate')).toContain(
            'the grant this token belongs to was revoked',
          );
          break;
        }
        if (Date.now() - started > 20_000) throw new Error('the revoked grant was still accepted');
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    process.stdout.write(
      `revoked grant refused on both replicas after ${Date.now() - started} ms\n`,
    );
  });

  it('issues nothing when the person denies, and no refresh once the person is disabled', async () => {
    const caller = await h.addCaller(['member']);
    const denied = await signIn(caller.person.email, 'deny');
    expect(denied.redirect.searchParams.get('error')).toBe('access_denied');
    expect(denied.redirect.searchParams.get('code')).toBeNull();

    const { oauth, redirect, first } = await signIn(caller.person.email);
    await first.finishAuth(redirect.searchParams.get('code') ?? '');
    await h.runtimes[0]!.repos.people.update(h.tenant.id, caller.person.id, {
      status: 'disabled',
    });
    const refused = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: oauth.tokens()!.refresh_token!,
      client_id: oauth.clientInformation()!.client_id,
    });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a sign-in from an email domain no tenant IdP serves, a foreign resource, and no PKCE', async () => {
    const { oauth, browser } = await (async () => {
      const o = new InMemoryOAuthClient();
      const t = new StreamableHTTPClientTransport(new URL(RESOURCE), {
        authProvider: o,
        fetch: balanced,
      });
      await expect(new Client({ name: 'x', version: '1' }).connect(t)).rejects.toThrow(
        UnauthorizedError,
      );
      return { oauth: o, browser: new HeadlessBrowser(balanced) };
    })();
    await expect(
      browser.run(oauth.authorizationUrl!, REDIRECT_URL, { email: 'someone@elsewhere.org' }),
    ).rejects.toThrow(/No identity provider signs in people of that email domain/);

    const clientId = oauth.clientInformation()!.client_id;
    const authorize = (params: Record<string, string>) =>
      balanced(`${issuer}/auth?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const base = {
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URL,
      scope: 'mcp:call',
      state: 's',
    };
    const foreign = await authorize({
      ...base,
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
      resource: 'https://other.example/mcp',
    });
    expect(new URL(foreign.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_target',
    );
    const noPkce = await authorize({ ...base, resource: RESOURCE });
    expect(new URL(noPkce.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_request',
    );
    const plain = await authorize({
      ...base,
      resource: RESOURCE,
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'plain',
    });
    expect(new URL(plain.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  describe('Enterprise-Managed Authorization: the JWT bearer grant with an ID-JAG', () => {
    const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    let client: { client_id: string; client_secret: string };
    const now = () => Math.floor(Date.now() / 1000);
    const idJag = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
      idp.sign(
        {
          iss: idp.url,
          sub: 'idp-user-1',
          email: h.member.person.email,
          aud: issuer,
          resource: RESOURCE,
          client_id: client.client_id,
          scope: 'mcp:call',
          jti: randomBytes(12).toString('hex'),
          iat: now(),
          exp: now() + 300,
          ...claims,
        },
        { typ: 'oauth-id-jag+jwt', ...header },
      );
    const exchange = (assertion: string) =>
      tokenRequest({
        grant_type: JWT_BEARER,
        assertion,
        client_id: client.client_id,
        client_secret: client.client_secret,
      });

    beforeAll(async () => {
      const response = await balanced(`${issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'e2e enterprise client',
          grant_types: [JWT_BEARER],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_post',
        }),
      });
      expect(response.status).toBe(201);
      client = (await response.json()) as typeof client;
    });

    it('issues an access token with no consent for a valid ID-JAG, accepted by the gateway', async () => {
      const { status, body } = await exchange(await idJag());
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'mcp:call' });
      expect(body['refresh_token']).toBeUndefined();
      expect(decodeJwt(body['access_token']!)).toMatchObject({
        iss: issuer,
        aud: RESOURCE,
        client_id: client.client_id,
        email: h.member.person.email,
        tenant_id: h.tenant.id,
      });
      const response = await fetch(`${h.gateways[1]!.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${body['access_token']}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        }),
      });
      expect(response.status).toBe(200);
    });

    it('refuses a replayed jti on the other replica', async () => {
      const assertion = await idJag();
      expect((await exchange(assertion)).status).toBe(200);
      expect(await exchange(assertion)).toMatchObject({
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'the assertion was already used (jti replayed)',
        },
      });
    });

    const refusals: [string, () => Promise<string>, string][] = [
      [
        'for another audience',
        () => idJag({ aud: 'https://other.example' }),
        'the assertion is for another audience',
      ],
      ['expired', () => idJag({ exp: now() - 600, iat: now() - 900 }), 'the assertion has expired'],
      [
        'with another typ',
        () => idJag({}, { typ: 'JWT' }),
        "the assertion's typ is not oauth-id-jag+jwt",
      ],
      [
        'issued to another client',
        () => idJag({ client_id: 'someone-else' }),
        'the assertion was issued to another client',
      ],
      [
        'for another resource',
        () => idJag({ resource: 'https://other.example/mcp' }),
        'the assertion names a resource that is not this gateway',
      ],
      [
        'from an issuer no tenant trusts',
        () => idJag({ iss: 'https://evil.example' }),
        'the assertion is not from a tenant identity provider',
      ],
      [
        'naming nobody',
        () => idJag({ email: 'nobody@example.com' }),
        'no active person of the tenant matches the assertion',
      ],
    ];
    it.each(refusals)('refuses an ID-JAG %s', async (_name, make, description) => {
      expect(await exchange(await make())).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant', error_description: description },
      });
    });
  });

  it('publishes RFC 8414 metadata and the gateway names it in RFC 9728', async () => {
    const metadata = (await (
      await balanced(`${issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer,
      client_id_metadata_document_supported: true,
      authorization_grant_profiles_supported: ['urn:ietf:params:oauth:grant-profile:id-jag'],
      registration_endpoint: `${issuer}/reg`,
      revocation_endpoint: `${issuer}/token/revocation`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    const prm = (await (
      await fetch(`${h.gateways[0]!.url}/.well-known/oauth-protected-resource`)
    ).json()) as { authorization_servers: string[] };
    expect(prm.authorization_servers).toEqual([issuer]);
  });
});
