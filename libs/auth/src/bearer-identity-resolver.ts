import { AuthError, type Identity, type IdentityResolver } from './identity';
import { looksLikeJwt } from './jwt-access-token-verifier';
import { TOKEN_PREFIX } from './token-format';

/**
 * The one place that tells bearer kinds apart: `gth_` tokens go to the token resolver, JWTs to
 * the JWT resolver (when this surface trusts an issuer), and both yield the same Identity.
 */
export class BearerIdentityResolver implements IdentityResolver {
  constructor(
    private readonly tokens: IdentityResolver,
    private readonly jwts: IdentityResolver | undefined,
  ) {}

  resolveBearer(credential: string, tenantHint?: string): Promise<Identity> {
    if (!credential.startsWith(TOKEN_PREFIX) && looksLikeJwt(credential)) {
      if (!this.jwts) {
        return Promise.reject(
          new AuthError('jwt_not_accepted', 'JWTs are not accepted here: no issuer is configured'),
        );
      }
      return this.jwts.resolveBearer(credential, tenantHint);
    }
    return this.tokens.resolveBearer(credential, tenantHint);
  }
}
