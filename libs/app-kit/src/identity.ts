import { BusChannels } from '@gatehouse/bus';
import {
  AuthError,
  BearerIdentityResolver,
  TenantIdpResolver,
  type TokenInvalidation,
  JwtAccessTokenVerifier,
  JwtIdentityResolver,
  RevokedGrants,
  TokenIdentityResolver,
  type IdentityResolver,
  type TokenWithOwner,
} from '@gatehouse/auth';
import { RedisRevokedGrantStore } from '@gatehouse/session-store';
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
  /** The issuers a tenant's own IdPs add (for its protected-resource metadata). */
  tenantIssuers(tenant: string): Promise<string[]>;
}

export interface BearerResolverOptions {
  /** The audiences this surface answers to (empty: no JWT of OIDC_ISSUER is accepted). */
  audiences: string[];
  /**
   * The gateway only: the resource a tenant URL answers to, and the tenants' own IdPs
   * (admin API: per-tenant IdPs, then home-realm discovery on /mcp).
   */
  tenantAudience?: (tenantHint: string | undefined) => string;
}

/**
 * The resolver of one surface (the gateway or the admin API): `gth_` tokens always; JWT access
 * tokens of OIDC_ISSUER when `audiences` names what this surface answers to, so a token issued
 * for the other surface is refused here; on the gateway, JWTs of the tenants' own IdPs.
 */
export async function createBearerResolver(
  runtime: Runtime,
  options: BearerResolverOptions,
): Promise<BearerResolver> {
  const tokens = await createTokenResolver(runtime);
  const { OIDC_ISSUER, OIDC_JWKS_URL, OIDC_PERSON_CLAIM } = runtime.config;
  const { people, identityProviders } = runtime.repos;
  let installation: JwtIdentityResolver | undefined;
  if (OIDC_ISSUER && options.audiences.length > 0) {
    const verifier = new JwtAccessTokenVerifier({
      issuers: [{ issuer: OIDC_ISSUER, ...(OIDC_JWKS_URL ? { jwksUrl: OIDC_JWKS_URL } : {}) }],
      audiences: options.audiences,
    });
    installation = new JwtIdentityResolver(
      verifier,
      (claim) => people.findByEmailInActiveTenants(claim),
      {
        personClaim: OIDC_PERSON_CLAIM,
        ...(options.tenantAudience ? { audienceFor: options.tenantAudience } : {}),
      },
    );
    await installation.listen(runtime.bus);
  }
  const tenantIdps = options.tenantAudience
    ? new TenantIdpResolver({
        audienceFor: options.tenantAudience,
        loadIdps: async () =>
          (await identityProviders.listEnabledInActiveTenants()).map((idp) => ({
            tenantId: idp.tenant.id,
            tenantSlug: idp.tenant.slug,
            issuer: idp.issuer,
            jwksUrl: idp.jwksUrl,
            personClaim: idp.personClaim,
            allowedEmailDomains: idp.allowedEmailDomains,
            groupClaim: idp.groupClaim,
            groupRoles: stringRecord(idp.groupRoles),
          })),
        findPerson: async (tenantId, email) => {
          const person = await people.findByEmail(tenantId, email);
          const tenant = await runtime.repos.tenants.findByIdOrSlug(tenantId);
          return person && tenant && tenant.status === 'active'
            ? { ...person, tenant: { id: tenant.id, slug: tenant.slug } }
            : null;
        },
      })
    : undefined;
  const unsubscribe: (() => Promise<void>)[] = [];
  if (tenantIdps) {
    unsubscribe.push(
      await runtime.bus.subscribe(BusChannels.tenantConfigChanged, () => tenantIdps.reload()),
      await runtime.bus.subscribe(BusChannels.tokenInvalidated, (message) =>
        tenantIdps.invalidate(message as TokenInvalidation),
      ),
    );
  }
  const revokedGrants = await watchRevokedGrants(runtime, unsubscribe);
  const jwts: IdentityResolver | undefined =
    installation || tenantIdps
      ? {
          // A tenant's own IdP wins over the installation's for the issuers it names.
          resolveBearer: async (jwt, hint) => {
            const chosen =
              tenantIdps && (!installation || (await tenantIdps.knowsIssuerOf(jwt)))
                ? tenantIdps
                : installation;
            if (!chosen) throw new AuthError('jwt_not_accepted', 'JWTs are not accepted here');
            const identity = await chosen.resolveBearer(jwt, hint);
            revokedGrants?.check(jwt);
            return identity;
          },
        }
      : undefined;
  const bearer = new BearerIdentityResolver(tokens, jwts);
  return {
    resolveBearer: (credential, tenantHint) => bearer.resolveBearer(credential, tenantHint),
    tenantIssuers: async (tenant) => (tenantIdps ? tenantIdps.issuersOf(tenant) : []),
    stop: async () => {
      await tokens.stop();
      await installation?.stop();
      for (const stop of unsubscribe) await stop();
    },
  };
}

/**
 * With Gatehouse's authorization server: the grants revoked there, in memory (no round trip
 * per call), updated by the bus within milliseconds and re-read every 30 s.
 */
async function watchRevokedGrants(
  runtime: Runtime,
  unsubscribe: (() => Promise<void>)[],
): Promise<RevokedGrants | undefined> {
  const issuer = runtime.config.AUTHORIZATION_SERVER_ISSUER;
  if (!issuer || !runtime.redis) return undefined;
  const store = new RedisRevokedGrantStore(runtime.redis, runtime.config.REDIS_KEY_PREFIX);
  const revoked = new RevokedGrants(store, issuer);
  unsubscribe.push(
    await runtime.bus.subscribe(BusChannels.oauthGrantRevoked, (message) => {
      revoked
        .onMessage(message)
        .catch((error: unknown) =>
          runtime.logger.warn({ err: error }, 'could not read a revoked grant'),
        );
    }),
    async () => revoked.stop(),
  );
  await revoked.start();
  return revoked;
}

/** group_roles is JSON written only through the validated admin API; read it defensively. */
function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}
