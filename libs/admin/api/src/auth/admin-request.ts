import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Identity } from '@gatehouse/auth';
import type { Tenant } from '@gatehouse/data-access';
import type { FastifyRequest } from 'fastify';
import { AdminError } from '../common/admin-error';
import type { AdminIdentityResolver } from './admin-identity-resolver';

/** What the guards attach to a request on its way to a controller. */
export type AdminRequest = FastifyRequest & {
  /** Set by passport (the bearer strategy's result). */
  user?: Identity;
  /** The tenant named by `:t`, resolved and access-checked by the authorization guard. */
  gatehouseTenant?: Tenant;
  /** This app's resolver, for the process-wide passport strategy (see bearer.strategy.ts). */
  gatehouseIdentities?: AdminIdentityResolver;
};

/** Who is calling, for services: the identity plus what the audit trail records. */
export interface Caller {
  identity: Identity;
  requestId: string;
  clientAddress: string;
  userAgent: string | undefined;
}

export function requestOf(context: ExecutionContext): AdminRequest {
  return context.switchToHttp().getRequest<AdminRequest>();
}

/** `@CurrentCaller() caller: Caller` in a controller method. */
export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => {
    const request = requestOf(context);
    if (!request.user) throw new AdminError('INTERNAL', 'route reached without authentication');
    return {
      identity: request.user,
      requestId: String(request.id),
      clientAddress: request.ip,
      userAgent: request.headers['user-agent'],
    };
  },
);

/** `@CurrentTenant() tenant: Tenant`: the `:t` tenant, already checked against the caller. */
export const CurrentTenant = createParamDecorator(
  (_: unknown, context: ExecutionContext): Tenant => {
    const tenant = requestOf(context).gatehouseTenant;
    if (!tenant) throw new AdminError('INTERNAL', 'route has no :t tenant resolved by the guard');
    return tenant;
  },
);
