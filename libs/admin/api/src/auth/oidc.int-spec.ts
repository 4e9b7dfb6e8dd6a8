import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
} from '../testing/admin-test-env';

/** A local identity provider: discovery document and JWKS over HTTP, keys made by jose. */
async function startIssuer(publicJwk: object): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    response.setHeader('content-type', 'application/json');
    if (request.url === '/.well-known/openid-configuration') {
      response.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    } else if (request.url === '/jwks') {
      response.end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      response.statusCode = 404;
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('OIDC JWTs', () => {
  let env: AdminTestEnv;
  let issuer: { url: string; server: Server };
  let key: CryptoKey;
  let tenant: { id: string; slug: string };
  const audience = 'gatehouse-admin';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    issuer = await startIssuer({ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' });
    env = await startAdminTestEnv({ OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: audience });
    tenant = await createTestTenant(env.runtime);
    await createTestPerson(env.runtime, tenant.id, ['admin'], { email: 'alice@example.test' });
    await createTestPerson(env.runtime, tenant.id, ['member'], { email: 'bob@example.test' });
  });
  afterAll(async () => {
    await env.close();
    issuer.server.close();
  });

  const jwt = (
    claims: Record<string, unknown>,
    options: { signWith?: CryptoKey; exp?: string } = {},
  ) =>
    new SignJWT({ scope: 'admin:read', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(typeof claims['iss'] === 'string' ? claims['iss'] : issuer.url)
      .setAudience(typeof claims['aud'] === 'string' ? claims['aud'] : audience)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(options.signWith ?? key);

  const people = () => `/api/v1/tenants/${tenant.slug}/people`;

  it('maps a valid JWT to the person with that email (discovered JWKS)', async () => {
    const response = await env.call('GET', people(), await jwt({ email: 'alice@example.test' }));
    expect(response.status).toBe(200);
  });

  it("applies the person's roles: a member is refused admin routes", async () => {
    const response = await env.call('GET', people(), await jwt({ email: 'bob@example.test' }));
    expect(response.status).toBe(403);
  });

  it.each([
    ['expired', () => jwt({ email: 'alice@example.test' }, { exp: '-1m' })],
    ['for another audience', () => jwt({ email: 'alice@example.test', aud: 'other-app' })],
    [
      'from another issuer',
      () => jwt({ email: 'alice@example.test', iss: 'https://evil.example' }),
    ],
    [
      'signed by an unknown key',
      async () =>
        jwt(
          { email: 'alice@example.test' },
          { signWith: (await generateKeyPair('RS256')).privateKey },
        ),
    ],
    ['naming nobody', () => jwt({ email: 'nobody@example.test' })],
    ['without the person claim', () => jwt({ sub: 'x' })],
  ])('refuses a JWT %s with 401 invalid_token', async (_, make) => {
    const response = await env.call('GET', people(), await make());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses an HMAC-signed JWT', async () => {
    const forged = await new SignJWT({ email: 'alice@example.test' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer.url)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect((await env.call('GET', people(), forged)).status).toBe(401);
  });
});
