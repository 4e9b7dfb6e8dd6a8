import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryBus, BusChannels } from '@gatehouse/bus';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { AuthError } from './identity';
import { JwtAccessTokenVerifier } from './jwt-access-token-verifier';
import { JwtIdentityResolver, type PersonForClaim } from './jwt-identity-resolver';

const AUDIENCE = 'https://gw.example/mcp';

/** An issuer over real HTTP whose JWKS the test can rotate; counts JWKS fetches. */
async function startIssuer() {
  let keys: JWK[] = [];
  let jwksFetches = 0;
  const server: Server = createServer((request, response) => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    response.setHeader('content-type', 'application/json');
    if (request.url === '/.well-known/openid-configuration') {
      response.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    } else if (request.url === '/jwks') {
      jwksFetches++;
      response.end(JSON.stringify({ keys }));
    } else {
      response.writeHead(404).end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const newKey = async (kid: string): Promise<CryptoKey> => {
    const pair = await generateKeyPair('RS256');
    keys = [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256' }];
    return pair.privateKey;
  };
  return {
    url,
    newKey,
    jwksFetches: () => jwksFetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
  return 'resolved';
}

describe('JwtIdentityResolver', () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let key: CryptoKey;
  let people: PersonForClaim[];
  let lookups: number;
  let resolver: JwtIdentityResolver;
  const bus = new InMemoryBus();

  const sign = (claims: Record<string, unknown>, kid = 'k1', signWith = key) =>
    new SignJWT({ email: 'ada@example.com', scope: 'mcp openid', client_id: 'app', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(issuer.url)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signWith);

  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());
  beforeEach(async () => {
    key = await issuer.newKey('k1');
    people = [
      { id: 'p1', email: 'ada@example.com', roles: ['member'], tenant: { id: 't1', slug: 'acme' } },
    ];
    lookups = 0;
    resolver = new JwtIdentityResolver(
      new JwtAccessTokenVerifier({ issuers: [{ issuer: issuer.url }], audiences: [AUDIENCE] }),
      async () => {
        lookups++;
        return people;
      },
      { personClaim: 'email' },
    );
    await resolver.listen(bus);
  });
  afterEach(() => resolver.stop());

  it('yields the person, issuer, client and only Gatehouse scopes (mcp means mcp:call)', async () => {
    const identity = await resolver.resolveBearer(await sign({}));
    expect(identity).toMatchObject({
      personId: 'p1',
      tenantId: 't1',
      tokenId: null,
      via: 'oidc',
      issuer: issuer.url,
      clientId: 'app',
      scopes: ['mcp:call'],
    });
  });

  it('reads the client id where Okta (cid) and Entra ID v1 (appid) put it', async () => {
    const okta = await sign({ client_id: undefined, cid: '0oa1okta' });
    expect((await resolver.resolveBearer(okta)).clientId).toBe('0oa1okta');
    const entra = await sign({ client_id: undefined, appid: 'entra-app' });
    expect((await resolver.resolveBearer(entra)).clientId).toBe('entra-app');
  });

  it('asks the database once for many calls, again after a person change on the bus', async () => {
    const token = await sign({});
    for (let i = 0; i < 5; i++) await resolver.resolveBearer(token);
    expect(lookups).toBe(1);
    people = [];
    await bus.publish(BusChannels.tokenInvalidated, { personId: 'p1' });
    expect(await failure(resolver.resolveBearer(token))).toBe('unknown_person');
    expect(lookups).toBe(2);
  });

  it('follows key rotation: a token with a new kid makes it fetch the JWKS again', async () => {
    await resolver.resolveBearer(await sign({}));
    const before = issuer.jwksFetches();
    const rotated = await issuer.newKey('k2');
    // jose refetches on an unknown kid once its cooldown (5 s) has passed since the last fetch.
    await new Promise((r) => setTimeout(r, 5_100));
    const identity = await resolver.resolveBearer(await sign({}, 'k2', rotated));
    expect(identity.personId).toBe('p1');
    expect(issuer.jwksFetches()).toBe(before + 1);
  });

  it('refuses a person claim naming people in several tenants unless the route names one', async () => {
    people.push({
      id: 'p2',
      email: 'ada@example.com',
      roles: [],
      tenant: { id: 't2', slug: 'beta' },
    });
    const token = await sign({});
    expect(await failure(resolver.resolveBearer(token))).toBe('ambiguous_person');
    expect((await resolver.resolveBearer(token, 'beta')).personId).toBe('p2');
  });

  it('says why it refuses', async () => {
    expect(await failure(resolver.resolveBearer(await sign({ email: undefined })))).toBe(
      'jwt_missing_claim',
    );
    const noExp = await new SignJWT({ email: 'ada@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer.url)
      .setAudience(AUDIENCE)
      .sign(key);
    expect(await failure(resolver.resolveBearer(noExp))).toBe('jwt_missing_claim');
    const notYet = await new SignJWT({ email: 'ada@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer.url)
      .setAudience(AUDIENCE)
      .setNotBefore('10m')
      .setExpirationTime('20m')
      .sign(key);
    expect(await failure(resolver.resolveBearer(notYet))).toBe('jwt_not_yet_valid');
  });

  it('says the person is disabled rather than unknown', async () => {
    people = [{ ...people[0]!, status: 'disabled' }];
    expect(await failure(resolver.resolveBearer(await sign({})))).toBe('disabled_person');
  });

  it('tolerates a small clock skew on exp', async () => {
    const justExpired = await new SignJWT({ email: 'ada@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer.url)
      .setAudience(AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
      .sign(key);
    expect((await resolver.resolveBearer(justExpired)).personId).toBe('p1');
  });
});
