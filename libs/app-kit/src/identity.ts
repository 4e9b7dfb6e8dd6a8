import { TokenIdentityResolver, type TokenWithOwner } from '@gatehouse/auth';
import { gatehouseMetrics } from '@gatehouse/telemetry';
import type { Runtime } from './runtime';

/**
 * The bearer-token resolver over this runtime's database, listening on the bus for
 * revocations. Three indexed reads on a cache miss; a cache hit touches nothing.
 */
export async function createTokenResolver(runtime: Runtime): Promise<TokenIdentityResolver> {
  const { tokens, people, tenants } = runtime.repos;
  const findByHash = async (hash: string): Promise<TokenWithOwner | null> => {
    const token = await tokens.findByHash(hash);
    if (!token) return null;
    const [person, tenant] = await Promise.all([
      people.findById(token.tenantId, token.personId),
      tenants.findByIdOrSlug(token.tenantId),
    ]);
    if (!person || !tenant) return null;
    return { token, person, tenant };
  };
  const lookups = gatehouseMetrics().tokenCacheLookups;
  const resolver = new TokenIdentityResolver(
    findByHash,
    async (tenantId, tokenId) => {
      await tokens.touchLastUsed(tenantId, tokenId);
    },
    { onLookup: (result) => lookups.add(1, { result }) },
  );
  await resolver.listen(runtime.bus);
  return resolver;
}
