export const ROLES = ['platform-admin', 'admin', 'approver', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established from a token or an OIDC JWT. */
export interface Identity {
  tenantId: string;
  tenantSlug: string;
  personId: string;
  email: string;
  roles: Role[];
  /** Null for OIDC identities, which carry no Gatehouse token. */
  tokenId: string | null;
  scopes: string[];
  via: 'token' | 'oidc';
  /** For OIDC identities: the JWT's issuer and OAuth client id (`client_id`, `azp`), if named. */
  issuer?: string;
  clientId?: string;
}

export type AuthFailure =
  | 'missing_credentials'
  | 'malformed_token'
  | 'unknown_token'
  | 'expired_token'
  | 'revoked_token'
  | 'disabled_person'
  | 'disabled_tenant'
  | 'invalid_jwt'
  | 'jwt_unsigned'
  | 'jwt_algorithm_not_allowed'
  | 'jwt_unknown_issuer'
  | 'jwt_wrong_audience'
  | 'jwt_expired'
  | 'jwt_not_yet_valid'
  | 'jwt_bad_signature'
  | 'jwt_missing_claim'
  | 'jwt_not_accepted'
  | 'unknown_person'
  | 'ambiguous_person'
  | 'email_domain_not_allowed'
  | 'wrong_tenant'
  | 'grant_revoked';

export class AuthError extends Error {
  constructor(
    readonly code: AuthFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** Turns a bearer credential into an identity, or throws AuthError. */
export interface IdentityResolver {
  /**
   * `tenantHint` (a tenant id or slug the route names) settles a JWT whose person exists in
   * several tenants; `gth_` tokens ignore it.
   */
  resolveBearer(credential: string, tenantHint?: string): Promise<Identity>;
}

export function hasScope(identity: Identity, scope: string): boolean {
  return identity.scopes.includes(scope) || identity.scopes.includes('*');
}

/**
 * `upstream:<slug>` scopes narrow which upstreams a token may reach; a token with none of them
 * may reach every upstream its person may.
 */
export function scopeAllowsUpstream(identity: Identity, slug: string): boolean {
  const upstreamScopes = identity.scopes.filter((s) => s.startsWith('upstream:'));
  return upstreamScopes.length === 0 || upstreamScopes.includes(`upstream:${slug}`);
}
