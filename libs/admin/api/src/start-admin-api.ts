import { registerConsole } from '@gatehouse/admin-console';
import { Module } from '@nestjs/common';
import {
  createBearerResolver,
  startHttpApp,
  type HttpAppHandle,
  type Runtime,
} from '@gatehouse/app-kit';
import { InMemoryFailureWindows, RedisFailureWindows } from '@gatehouse/session-store';
import { AdminModule } from './admin.module';
import { AdminIdentityResolver } from './auth/admin-identity-resolver';
import { FailedAuthLimiter, type FailedAuthLimit } from './auth/failed-auth-limiter';
import { ADMIN_PREFIX } from './auth/route-table';
import {
  ADMIN_MAX_PARAM_LENGTH,
  adminClientErrorBody,
  answerAdminFrameworkError,
  registerAdminEdge,
} from './edge/admin-edge';
import { registerOpenApi } from './openapi/register-openapi';

export interface AdminApiOptions {
  host: string;
  port: number;
  version: string;
  /** Failed authentications allowed per client address and credential (default 20 a minute). */
  failedAuthLimit?: FailedAuthLimit;
}

const ADMIN_BODY_LIMIT = 1024 * 1024;

/** Starts the admin REST API (`/api/v1`, OpenAPI at `/api/docs`) over the runtime's stores. */
export async function startAdminApi(
  runtime: Runtime,
  options: AdminApiOptions,
): Promise<HttpAppHandle> {
  const tokens = await createBearerResolver(runtime, { audiences: adminAudiences(runtime) });
  const identities = new AdminIdentityResolver(tokens);
  const limiter = new FailedAuthLimiter(
    runtime.redis
      ? new RedisFailureWindows(runtime.redis, runtime.config.REDIS_KEY_PREFIX)
      : new InMemoryFailureWindows(),
    runtime.logger,
    options.failedAuthLimit,
  );

  @Module({ imports: [AdminModule.forRuntime({ runtime, identities, limiter })] })
  class AdminApiRoot {}

  const handle = await startHttpApp(AdminApiRoot, {
    name: 'admin-api',
    host: options.host,
    port: options.port,
    logger: runtime.logger,
    checks: runtime.checks,
    trustProxy: runtime.config.TRUST_PROXY,
    requestTimeoutMs: runtime.config.HTTP_REQUEST_TIMEOUT_MS,
    bodyLimit: ADMIN_BODY_LIMIT,
    maxParamLength: ADMIN_MAX_PARAM_LENGTH,
    frameworkErrors: answerAdminFrameworkError,
    clientErrorBody: adminClientErrorBody,
    configure: (app) => {
      registerAdminEdge(app, ADMIN_BODY_LIMIT);
      app.setGlobalPrefix(ADMIN_PREFIX);
      registerOpenApi(app, options.version);
      // The web console (/console): static files; it calls the /api/v1 routes like any client.
      registerConsole(app.getHttpAdapter().getInstance());
    },
  });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await tokens.stop();
    },
  };
}

/**
 * The admin API answers to OIDC_AUDIENCE only. It must differ from the gateway's resource
 * (PUBLIC_URL/mcp): a token a person's MCP client obtained must never administer.
 */
function adminAudiences(runtime: Runtime): string[] {
  const { OIDC_ISSUER, OIDC_AUDIENCE, PUBLIC_URL } = runtime.config;
  if (!OIDC_ISSUER || !OIDC_AUDIENCE) return [];
  const gatewayResource = PUBLIC_URL ? `${PUBLIC_URL.replace(/\/$/, '')}/mcp` : undefined;
  if (OIDC_AUDIENCE === gatewayResource) {
    throw new Error(
      'OIDC_AUDIENCE is the gateway resource; give the admin API an audience of its own',
    );
  }
  return [OIDC_AUDIENCE];
}
