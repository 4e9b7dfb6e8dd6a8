import { decodeJwt } from 'jose';
import { AuthError, ROLES, type Identity, type IdentityResolver, type Role } from './identity';
import { JwtAccessTokenVerifier } from './jwt-access-token-verifier';
import { identityOf, isActive, type PersonForClaim } from './jwt-identity-resolver';
import type { TokenInvalidation } from './token-identity-resolver';

/** One tenant's identity provider, as the gateway needs it. */
export interface TenantIdp {
  tenantId: string;
  tenantSlug: string;
  issuer: string;
  jwksUrl: string | null;
  personClaim: string;
  /** Lower-case; empty means any domain. */
  allowedEmailDomains: string[];
  /** The claim listing the person's groups, and the roles those groups add. */
  groupClaim: string | null;
  groupRoles: Record<string, string>;
}

export interface TenantIdpResolverOptions {
  /** Every enabled IdP of every active tenant (called again after `reload`). */
  loadIdps: () => Promise<TenantIdp[]>;
  /** The person with this email in this tenant (any status), if the tenant is active. */
  findPerson: (tenantId: string, email: string) => Promise<PersonForClaim | null>;
  /** The resource a token must name: the tenant URL's, or the shared `/mcp`'s. */
  audienceFor: (tenantHint: string | undefined) => string;
}

/**
 * JWTs from the tenants' own identity providers. On a tenant URL (`tenantHint`) only that
 * tenant's IdPs count and the token must be issued for that URL; on the shared `/mcp` the
 * issuer and the email's domain find the tenant (home-realm discovery). The person must
 * already exist in that tenant.
 */
export class TenantIdpResolver implements IdentityResolver {
  private idps: Promise<TenantIdp[]> | undefined;
  private readonly verifiers = new Map<string, JwtAccessTokenVerifier>();
  /** tenant id + email → person, dropped by person and tenant invalidations (no DB per call). */
  private readonly people = new Map<string, { person: PersonForClaim; fetchedAt: number }>();

  constructor(private readonly options: TenantIdpResolverOptions) {}

  /** Forget the IdP table and the verifiers built from it (a tenant's IdPs changed). */
  reload(): void {
    this.idps = undefined;
    this.verifiers.clear();
  }

  /** Drops cached people on a person or tenant change (the `gth_` token invalidation message). */
  invalidate(what: TokenInvalidation): void {
    for (const [key, entry] of this.people) {
      if (entry.person.id === what.personId || entry.person.tenant.id === what.tenantId) {
        this.people.delete(key);
      }
    }
  }

  /** Whether some tenant trusts this token's issuer (decoded, not yet verified). */
  async knowsIssuerOf(jwt: string): Promise<boolean> {
    const iss = issuerOf(jwt);
    return iss !== undefined && (await this.table()).some((idp) => idp.issuer === iss);
  }

  /** The issuers a tenant's protected-resource metadata names. */
  async issuersOf(tenant: string): Promise<string[]> {
    const wanted = tenant.toLowerCase();
    return (await this.table())
      .filter((idp) => idp.tenantId === wanted || idp.tenantSlug === wanted)
      .map((idp) => idp.issuer);
  }

  async resolveBearer(jwt: string, tenantHint?: string): Promise<Identity> {
    const all = await this.table();
    const hinted = tenantHint?.toLowerCase();
    const usable =
      hinted === undefined
        ? all
        : all.filter((idp) => idp.tenantId === hinted || idp.tenantSlug === hinted);
    const verified = await this.verifierFor(this.options.audienceFor(tenantHint), usable).verify(
      jwt,
    );
    const candidates = usable.filter((idp) => idp.issuer === verified.issuer);
    const matches = new Map<string, { person: PersonForClaim; idp: TenantIdp }>();
    let domainRefused = false;
    let disabled = false;
    for (const idp of candidates) {
      const claim: unknown = verified.claims[idp.personClaim];
      if (typeof claim !== 'string' || claim.length === 0) continue;
      const domain = claim.slice(claim.lastIndexOf('@') + 1).toLowerCase();
      if (idp.allowedEmailDomains.length > 0 && !idp.allowedEmailDomains.includes(domain)) {
        domainRefused = true;
        continue;
      }
      const person = await this.personOf(idp.tenantId, claim);
      if (person && !isActive(person)) disabled = true;
      else if (person) matches.set(person.id, { person, idp });
    }
    if (matches.size > 1) {
      throw new AuthError(
        'ambiguous_person',
        "the JWT names people in several tenants: use the tenant's URL",
      );
    }
    const [match] = matches.values();
    if (!match) {
      if (disabled) throw new AuthError('disabled_person', 'the person the JWT names is disabled');
      throw domainRefused
        ? new AuthError('email_domain_not_allowed', "the person's email domain is not allowed")
        : new AuthError('unknown_person', 'no active person of the tenant matches the JWT');
    }
    const identity = identityOf(match.person, verified);
    const added = groupRolesOf(match.idp, verified.claims);
    return added.length === 0
      ? identity
      : { ...identity, roles: [...new Set([...identity.roles, ...added])] };
  }

  private async personOf(tenantId: string, email: string): Promise<PersonForClaim | null> {
    const key = `${tenantId}\n${email.toLowerCase()}`;
    const cached = this.people.get(key);
    if (cached && Date.now() - cached.fetchedAt < 30_000) return cached.person;
    const person = await this.options.findPerson(tenantId, email);
    if (person && isActive(person)) this.people.set(key, { person, fetchedAt: Date.now() });
    else this.people.delete(key);
    return person;
  }

  private table(): Promise<TenantIdp[]> {
    this.idps ??= this.options.loadIdps().catch((error: unknown) => {
      this.idps = undefined;
      throw error;
    });
    return this.idps;
  }

  private verifierFor(audience: string, idps: TenantIdp[]): JwtAccessTokenVerifier {
    const key = `${audience}\n${idps.map((i) => i.issuer).join(' ')}`;
    let verifier = this.verifiers.get(key);
    if (!verifier) {
      const issuers = new Map(idps.map((i) => [i.issuer, i.jwksUrl]));
      verifier = new JwtAccessTokenVerifier({
        issuers: [...issuers].map(([issuer, jwksUrl]) => ({
          issuer,
          ...(jwksUrl ? { jwksUrl } : {}),
        })),
        audiences: [audience],
      });
      this.verifiers.set(key, verifier);
    }
    return verifier;
  }
}

function issuerOf(jwt: string): string | undefined {
  try {
    const iss = decodeJwt(jwt).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** The roles the IdP's group → role map adds for the groups the token lists (never platform-admin). */
function groupRolesOf(idp: TenantIdp, claims: Record<string, unknown>): Role[] {
  if (!idp.groupClaim) return [];
  const groups = claims[idp.groupClaim];
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? groups.split(' ') : [];
  return list
    .map((group) => (typeof group === 'string' ? idp.groupRoles[group] : undefined))
    .filter(
      (role): role is Role =>
        role !== 'platform-admin' && (ROLES as readonly (string | undefined)[]).includes(role),
    );
}
