import { InMemoryBus } from '@gatehouse/bus';
import { BusChannels } from '@gatehouse/bus';
import { AuthError } from './identity';
import { generateToken } from './token-format';
import { TokenIdentityResolver, type TokenWithOwner } from './token-identity-resolver';

function owner(
  overrides: {
    token?: Partial<TokenWithOwner['token']>;
    person?: Partial<TokenWithOwner['person']>;
    tenant?: Partial<TokenWithOwner['tenant']>;
  } = {},
): TokenWithOwner {
  return {
    token: {
      id: 'tok-1',
      tenantId: 'ten-1',
      personId: 'per-1',
      scopes: ['mcp:call'],
      expiresAt: null,
      revokedAt: null,
      ...overrides.token,
    },
    person: {
      id: 'per-1',
      email: 'ada@example.com',
      roles: ['member', 'bogus'],
      status: 'active',
      ...overrides.person,
    },
    tenant: { id: 'ten-1', slug: 'acme', status: 'active', ...overrides.tenant },
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

describe('TokenIdentityResolver', () => {
  const { secret, hash } = generateToken();

  it('resolves a token to its identity, dropping unknown roles, and caches the lookup', async () => {
    const find = jest.fn(async (h: string) => (h === hash ? owner() : null));
    const lookups: string[] = [];
    const resolver = new TokenIdentityResolver(find, async () => undefined, {
      onLookup: (r) => lookups.push(r),
    });
    const identity = await resolver.resolveBearer(secret);
    await resolver.resolveBearer(secret);
    expect(identity).toMatchObject({
      tenantSlug: 'acme',
      personId: 'per-1',
      roles: ['member'],
      scopes: ['mcp:call'],
      via: 'token',
    });
    expect(find).toHaveBeenCalledTimes(1);
    expect(resolver.hits).toBe(1);
    expect(lookups).toEqual(['miss', 'hit']);
  });

  it.each([
    ['malformed_token', 'not-a-token', owner()],
    ['unknown_token', generateToken().secret, owner()],
    ['revoked_token', secret, owner({ token: { revokedAt: new Date() } })],
    ['expired_token', secret, owner({ token: { expiresAt: new Date(Date.now() - 1000) } })],
    ['disabled_person', secret, owner({ person: { status: 'disabled' } })],
    ['disabled_tenant', secret, owner({ tenant: { status: 'disabled' } })],
  ])('refuses with %s', async (code, presented, record) => {
    const resolver = new TokenIdentityResolver(
      async (h) => (h === hash ? record : null),
      async () => undefined,
    );
    expect(await failure(resolver.resolveBearer(presented))).toBe(code);
  });

  it('drops a cached token when the bus says it was revoked', async () => {
    let record = owner();
    const bus = new InMemoryBus();
    const resolver = new TokenIdentityResolver(
      async () => record,
      async () => undefined,
    );
    await resolver.listen(bus);
    await resolver.resolveBearer(secret);
    record = owner({ token: { revokedAt: new Date() } });
    await bus.publish(BusChannels.tokenInvalidated, { tokenId: 'tok-1' });
    await new Promise((r) => setTimeout(r, 10));
    expect(await failure(resolver.resolveBearer(secret))).toBe('revoked_token');
  });

  it('re-reads a cached token after maxAge even without a bus message', async () => {
    let now = 0;
    let record = owner();
    const resolver = new TokenIdentityResolver(
      async () => record,
      async () => undefined,
      { maxAgeMs: 1000, now: () => now },
    );
    await resolver.resolveBearer(secret);
    record = owner({ person: { status: 'disabled' } });
    now = 1500;
    expect(await failure(resolver.resolveBearer(secret))).toBe('disabled_person');
  });

  it('keeps at most maxEntries tokens, the least recently used going first', async () => {
    const tokens = [generateToken(), generateToken(), generateToken()];
    const find = jest.fn(async (h: string) => (tokens.some((t) => t.hash === h) ? owner() : null));
    const resolver = new TokenIdentityResolver(find, async () => undefined, { maxEntries: 2 });
    for (const t of tokens) await resolver.resolveBearer(t.secret);
    await resolver.resolveBearer(tokens[2]!.secret); // held
    expect(find).toHaveBeenCalledTimes(3);
    await resolver.resolveBearer(tokens[0]!.secret); // evicted by the third
    expect(find).toHaveBeenCalledTimes(4);
  });

  it('serves the last known token while the database is unreachable, within maxStale', async () => {
    let now = 0;
    let down = false;
    const lookups: string[] = [];
    const resolver = new TokenIdentityResolver(
      async () => {
        if (down) throw new Error("Can't reach database server");
        return owner();
      },
      async () => undefined,
      { maxAgeMs: 1000, maxStaleMs: 5000, now: () => now, onLookup: (r) => lookups.push(r) },
    );
    await resolver.resolveBearer(secret);
    down = true;
    now = 3000;
    expect((await resolver.resolveBearer(secret)).personId).toBe(owner().person.id);
    expect(lookups).toEqual(['miss', 'miss', 'stale']);
    now = 6500;
    await expect(resolver.resolveBearer(secret)).rejects.toThrow("Can't reach database server");
  });

  it('does not serve a stale token that the bus revoked, nor one it never saw', async () => {
    let down = false;
    let now = 0;
    const resolver = new TokenIdentityResolver(
      async () => {
        if (down) throw new Error('database down');
        return owner();
      },
      async () => undefined,
      { maxAgeMs: 1000, now: () => now },
    );
    await resolver.resolveBearer(secret);
    down = true;
    now = 2000;
    resolver.invalidate({ tokenId: owner().token.id });
    await expect(resolver.resolveBearer(secret)).rejects.toThrow('database down');
  });

  it('writes last-used at most once per interval', async () => {
    const touch = jest.fn(async () => undefined);
    const resolver = new TokenIdentityResolver(async () => owner(), touch, {
      touchEveryMs: 60_000,
    });
    await resolver.resolveBearer(secret);
    await resolver.resolveBearer(secret);
    expect(touch).toHaveBeenCalledTimes(1);
  });
});
