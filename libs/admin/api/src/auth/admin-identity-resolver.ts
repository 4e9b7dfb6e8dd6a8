import { AuthError, TOKEN_PREFIX, type Identity, type IdentityResolver } from '@gatehouse/auth';
import type { OidcVerifier } from './oidc-verifier';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Bearer credentials of the admin API: `gth_` tokens always, OIDC JWTs when configured. */
export class AdminIdentityResolver {
  constructor(
    private readonly tokens: IdentityResolver,
    private readonly oidc: OidcVerifier | undefined,
  ) {}

  resolve(credential: string, tenantHint: string | undefined): Promise<Identity> {
    if (!credential.startsWith(TOKEN_PREFIX) && JWT_SHAPE.test(credential)) {
      if (!this.oidc) {
        return Promise.reject(
          new AuthError('invalid_jwt', 'JWTs are not accepted: OIDC is not configured'),
        );
      }
      return this.oidc.resolve(credential, tenantHint);
    }
    return this.tokens.resolveBearer(credential);
  }
}
