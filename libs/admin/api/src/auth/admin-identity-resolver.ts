import type { Identity, IdentityResolver } from '@gatehouse/auth';

/**
 * Bearer credentials of the admin API: `gth_` tokens always, JWT access tokens whose audience
 * is the admin API's (OIDC_AUDIENCE) when an issuer is configured. A JWT carries only the admin
 * scopes it was issued (`admin:read`, `admin:write`, `admin:*`), never more.
 */
export class AdminIdentityResolver {
  constructor(private readonly bearer: IdentityResolver) {}

  resolve(credential: string, tenantHint: string | undefined): Promise<Identity> {
    return this.bearer.resolveBearer(credential, tenantHint);
  }
}
