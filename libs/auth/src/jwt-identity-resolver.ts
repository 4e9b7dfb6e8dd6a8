import { BusChannels, type Bus } from '@gatehouse/bus';
import { AuthError, ROLES, type Identity, type IdentityResolver, type Role } from './identity';
import type { JwtAccessTokenVerifier, VerifiedJwt } from './jwt-access-token-verifier';
import type { TokenInvalidation } from './token-identity-resolver';

/** An active person in an active tenant, as the data layer returns it for a claim value. */
export interface PersonForClaim {
  id: string;
  email: string;
  roles: string[];
  /** Absent means active; a disabled person is refused with its own reason. */
  status?: string;
  tenant: { id: string; slug: string };
}

export function isActive(person: PersonForClaim): boolean {
  return (person.status ?? 'active') === 'active';
}

export interface JwtResolverOptions {
  /** JWT claim matched against a person's email. */
  personClaim: string;
  /** Upper bound on how long a cached claim → person mapping is trusted if a bus message is lost. */
  maxAgeMs?: number;
  now?: () => number;
  /** The audience a token must name for this tenant hint (the gateway's tenant URLs). */
  audienceFor?: (tenantHint: string | undefined) => string;
}

/** The scopes a JWT may carry that mean something here; `mcp` is an alias of `mcp:call`. */
const GATEHOUSE_SCOPE = /^(mcp:call|admin:(read|write|\*)|upstream:[^\s]+|tool:[^\s]+)$/;

export function gatehouseScopesOf(jwtScopes: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const scope of jwtScopes) {
    if (scope === 'mcp') scopes.add('mcp:call');
    else if (GATEHOUSE_SCOPE.test(scope)) scopes.add(scope);
  }
  return [...scopes];
}

interface CacheEntry {
  matches: PersonForClaim[];
  fetchedAt: number;
}

/**
 * Turns a verified JWT access token into an identity: the person whose email the configured
 * claim names, with the token's own scopes (never more than it was issued). The claim → person
 * mapping is cached per replica and dropped on every replica when a person or tenant changes
 * (the same bus message that drops cached `gth_` tokens), so a verified token costs no database
 * round trip and a disabled person is refused at once.
 */
export class JwtIdentityResolver implements IdentityResolver {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly verifier: JwtAccessTokenVerifier,
    private readonly findPeople: (claimValue: string) => Promise<PersonForClaim[]>,
    private readonly options: JwtResolverOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async listen(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe(BusChannels.tokenInvalidated, (message) =>
      this.invalidate(message as TokenInvalidation),
    );
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  invalidate(what: TokenInvalidation): void {
    // A token id names no person here; only person and tenant changes concern JWT identities.
    if (!what.personId && !what.tenantId) return;
    for (const [key, entry] of this.cache) {
      if (
        entry.matches.some(
          (m) => m.id === what.personId || (what.tenantId && m.tenant.id === what.tenantId),
        )
      ) {
        this.cache.delete(key);
      }
    }
  }

  async resolveBearer(credential: string, tenantHint?: string): Promise<Identity> {
    const audience = this.options.audienceFor?.(tenantHint);
    const verified = await this.verifier.verify(credential, audience ? [audience] : undefined);
    const claim: unknown = verified.claims[this.options.personClaim];
    if (typeof claim !== 'string' || claim.length === 0) {
      throw new AuthError(
        'jwt_missing_claim',
        `the JWT has no "${this.options.personClaim}" claim to name a person`,
      );
    }
    const found = await this.peopleFor(verified.issuer, claim);
    const hinted = tenantHint?.toLowerCase();
    const inTenant = (m: PersonForClaim) => m.tenant.id === hinted || m.tenant.slug === hinted;
    const matches = found.filter(isActive);
    const person =
      hinted === undefined
        ? matches.length === 1
          ? matches[0]
          : undefined
        : matches.find(inTenant);
    if (!person && found.some((m) => !isActive(m) && (hinted === undefined || inTenant(m)))) {
      throw new AuthError('disabled_person', 'the person the JWT names is disabled');
    }
    if (!person) {
      throw matches.length > 1 && hinted === undefined
        ? new AuthError(
            'ambiguous_person',
            `the JWT "${this.options.personClaim}" names people in several tenants: use the tenant's URL`,
          )
        : new AuthError(
            'unknown_person',
            `no active person matches the JWT "${this.options.personClaim}" claim`,
          );
    }
    return identityOf(person, verified);
  }

  private async peopleFor(issuer: string, claim: string): Promise<PersonForClaim[]> {
    const key = `${issuer}\n${claim.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.fetchedAt < this.maxAgeMs) return cached.matches;
    let matches: PersonForClaim[];
    try {
      matches = await this.findPeople(claim);
    } catch (error) {
      // The database is unreachable: the last known mapping beats refusing every call (bus
      // invalidations still drop it at once, as for cached `gth_` tokens).
      if (cached) return cached.matches;
      throw error;
    }
    // Nobody active is not cached: a person created or enabled a moment later must get in.
    if (matches.some(isActive)) this.cache.set(key, { matches, fetchedAt: this.now() });
    else this.cache.delete(key);
    return matches;
  }
}

/** The identity of a person signed in with a verified JWT: the token's scopes, never more. */
export function identityOf(person: PersonForClaim, verified: VerifiedJwt): Identity {
  return {
    tenantId: person.tenant.id,
    tenantSlug: person.tenant.slug,
    personId: person.id,
    email: person.email,
    roles: person.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    tokenId: null,
    scopes: gatehouseScopesOf(verified.scopes),
    via: 'oidc',
    issuer: verified.issuer,
    ...(verified.clientId ? { clientId: verified.clientId } : {}),
  };
}
