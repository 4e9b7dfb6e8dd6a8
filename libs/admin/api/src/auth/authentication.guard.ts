import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AuthError } from '@gatehouse/auth';
import { ADMIN_IDENTITIES, FAILED_AUTH_LIMITER } from '../admin-deps';
import { AdminError } from '../common/admin-error';
import { unauthenticated } from '../common/to-admin-error';
import type { AdminIdentityResolver } from './admin-identity-resolver';
import { requestOf } from './admin-request';
import { BEARER_STRATEGY } from './bearer.strategy';
import type { FailedAuthLimiter } from './failed-auth-limiter';

const PassportBearerGuard = AuthGuard(BEARER_STRATEGY);

/**
 * Step 1 of every admin request: a valid bearer credential (401 otherwise). A credential that
 * failed too often from this address is refused before it is looked at again (429); other
 * credentials from the same address are not affected (see FailedAuthLimiter).
 */
@Injectable()
export class AuthenticationGuard extends PassportBearerGuard implements CanActivate {
  constructor(
    @Inject(ADMIN_IDENTITIES) private readonly identities: AdminIdentityResolver,
    @Inject(FAILED_AUTH_LIMITER) private readonly limiter: FailedAuthLimiter,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    const credential = request.headers.authorization;
    const retryAfter = await this.limiter.retryAfterSeconds(request.ip, credential);
    if (retryAfter > 0) {
      throw new AdminError(
        'RATE_LIMITED',
        `Too many failed authentications with this credential from this address; retry in ${retryAfter} s.`,
        { retryAfterSeconds: retryAfter },
        { 'Retry-After': String(retryAfter) },
      );
    }
    request.gatehouseIdentities = this.identities;
    try {
      return (await super.canActivate(context)) === true;
    } catch (error) {
      if (error instanceof AdminError && error.code === 'UNAUTHENTICATED') {
        await this.limiter.recordFailure(request.ip, credential);
      } else if (error instanceof AuthError) {
        await this.limiter.recordFailure(request.ip, credential);
        throw unauthenticated(error.code, error.message, true);
      }
      throw error;
    }
  }

  /** passport's verdict: an error from the strategy, or no user when no credential was sent. */
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) {
      throw unauthenticated(
        'missing_credentials',
        'Send a bearer token: Authorization: Bearer gth_...',
        false,
      );
    }
    return user;
  }
}
