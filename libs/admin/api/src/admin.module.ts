import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ADMIN_CONTROLLERS, ADMIN_SERVICES } from './admin-controllers';
import { ADMIN_IDENTITIES, ADMIN_RUNTIME, FAILED_AUTH_LIMITER, type AdminDeps } from './admin-deps';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AuthorizationGuard } from './auth/authorization.guard';
import { GatehouseBearerStrategy } from './auth/bearer.strategy';
import { AdminExceptionFilter } from './common/admin-exception.filter';

/**
 * The admin API. Every route passes two global guards in order, authentication (passport
 * bearer: gth_ token or OIDC JWT) then authorization (the route's @Access rule), and every
 * error leaves through AdminExceptionFilter.
 */
@Module({})
export class AdminModule {
  static forRuntime(deps: AdminDeps): DynamicModule {
    return {
      module: AdminModule,
      imports: [PassportModule],
      controllers: [...ADMIN_CONTROLLERS],
      providers: [
        { provide: ADMIN_RUNTIME, useValue: deps.runtime },
        { provide: ADMIN_IDENTITIES, useValue: deps.identities },
        { provide: FAILED_AUTH_LIMITER, useValue: deps.limiter },
        GatehouseBearerStrategy,
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useClass: AuthorizationGuard },
        { provide: APP_FILTER, useValue: new AdminExceptionFilter(deps.runtime.logger) },
        ...ADMIN_SERVICES,
      ],
    };
  }
}
