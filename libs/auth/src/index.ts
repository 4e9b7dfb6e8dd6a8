export {
  AuthError,
  hasScope,
  ROLES,
  scopeAllowsUpstream,
  type AuthFailure,
  type Identity,
  type IdentityResolver,
  type Role,
} from './identity';
export { SecretBox } from './secret-box';
export {
  fromSecret,
  generateToken,
  hashToken,
  isWellFormedToken,
  TOKEN_PREFIX,
  type NewToken,
} from './token-format';
export {
  TokenIdentityResolver,
  type TokenInvalidation,
  type TokenResolverOptions,
  type TokenWithOwner,
} from './token-identity-resolver';
export {
  TenantIdpResolver,
  type TenantIdp,
  type TenantIdpResolverOptions,
} from './tenant-idp-resolver';
export { BearerIdentityResolver } from './bearer-identity-resolver';
export {
  JWT_ALGORITHMS,
  JwtAccessTokenVerifier,
  looksLikeJwt,
  type JwtVerifierSettings,
  type TrustedIssuer,
  type VerifiedJwt,
} from './jwt-access-token-verifier';
export {
  gatehouseScopesOf,
  JwtIdentityResolver,
  type JwtResolverOptions,
  type PersonForClaim,
} from './jwt-identity-resolver';
export { RevokedGrants, type RevokedGrantStore } from './revoked-grants';
