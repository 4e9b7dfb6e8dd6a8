import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Identity } from '@gatehouse/auth';
import { Strategy } from 'passport-http-bearer';
import { AdminError } from '../common/admin-error';
import type { AdminRequest } from './admin-request';
import { TENANT_PARAM } from './access-rule';

export const BEARER_STRATEGY = 'gatehouse-bearer';

/**
 * passport-http-bearer over the admin identity resolver. Passport keeps strategies in one
 * process-wide registry, so the strategy itself is stateless and uses the resolver the
 * authentication guard put on the request: two admin apps in one process (tests, embedded
 * mode) then never answer with each other's database.
 */
@Injectable()
export class GatehouseBearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor() {
    super({ passReqToCallback: true, realm: 'gatehouse' });
  }

  async validate(request: AdminRequest, credential: string): Promise<Identity> {
    // passport-http-bearer also takes `access_token` from the query string or body (RFC 6750
    // section 2.2-2.3); a token in a URL ends up in proxy and access logs, so only the header
    // counts here (the gateway's /mcp accepts only the header too).
    const authorization = request.headers.authorization;
    if (typeof authorization !== 'string' || !/^Bearer\s/i.test(authorization)) {
      throw new AdminError(
        'UNAUTHENTICATED',
        'Send the token in the Authorization header ("Authorization: Bearer <token>"); tokens in the query string or body are refused.',
      );
    }
    const identities = request.gatehouseIdentities;
    if (!identities) throw new AdminError('INTERNAL', 'no identity resolver on the request');
    const params = request.params as Record<string, string | undefined>;
    return identities.resolve(credential, params[TENANT_PARAM]);
  }
}
