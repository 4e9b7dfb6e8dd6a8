import {
  BearerIdentityResolver,
  JwtAccessTokenVerifier,
  JwtIdentityResolver,
  TokenIdentityResolver,
  type IdentityResolver,
  type TokenWithOwner,
} from '@gatehouse/auth';
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

/** A bearer resolver with the bus subscriptions it holds. */
export interface BearerResolver extends IdentityResolver {
  stop(): Promise<void>;
}

/**
 * The resolver of one surface (the gateway or the admin API): `gth_` tokens always, and JWT
 * access tokens of OIDC_ISSUER when `audiences` names what this surface answers to, so a token
 * issued for the other surface is refused here.
 */
export async function createBearerResolver(
  runtime: Runtime,
  audiences: string[],
): Promise<BearerResolver> {
  const tokens = await createTokenResolver(runtime);
  const { OIDC_ISSUER, OIDC_JWKS_URL, OIDC_PERSON_CLAIM } = runtime.config;
  let jwts: JwtIdentityResolver | undefined;
  if (OIDC_ISSUER && audiences.length > 0) {
    const verifier = new JwtAccessTokenVerifier({
      issuers: [{ issuer: OIDC_ISSUER, ...(OIDC_JWKS_URL ? { jwksUrl: OIDC_JWKS_URL } : {}) }],
      audiences,
    });
    jwts = new JwtIdentityResolver(
      verifier,
      (claim) => runtime.repos.people.findActiveByEmailInAnyTenant(claim),
      { personClaim: OIDC_PERSON_CLAIM },
    );
    await jwts.listen(runtime.bus);
  }
  const bearer = new BearerIdentityResolver(tokens, jwts);
  return {
    resolveBearer: (credential, tenantHint) => bearer.resolveBearer(credential, tenantHint),
    stop: async () => {
      await tokens.stop();
      await jwts?.stop();
    },
  };
}
