import { Module } from '@nestjs/common';
import {
  createTokenResolver,
  startHttpApp,
  type HttpAppHandle,
  type Runtime,
} from '@gatehouse/app-kit';
import { AdminModule } from './admin.module';
import { AdminIdentityResolver } from './auth/admin-identity-resolver';
import { FailedAuthLimiter, type FailedAuthLimit } from './auth/failed-auth-limiter';
import { OidcVerifier } from './auth/oidc-verifier';
import { ADMIN_PREFIX } from './auth/route-table';
import { registerOpenApi } from './openapi/register-openapi';

export interface AdminApiOptions {
  host: string;
  port: number;
  version: string;
  /** Failed authentications allowed per client address (default 20 a minute). */
  failedAuthLimit?: FailedAuthLimit;
}

/** Starts the admin REST API (`/api/v1`, OpenAPI at `/api/docs`) over the runtime's stores. */
export async function startAdminApi(
  runtime: Runtime,
  options: AdminApiOptions,
): Promise<HttpAppHandle> {
  const tokens = await createTokenResolver(runtime);
  const identities = new AdminIdentityResolver(tokens, createOidcVerifier(runtime));
  const limiter = new FailedAuthLimiter(options.failedAuthLimit);

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
    configure: (app) => {
      app.setGlobalPrefix(ADMIN_PREFIX);
      registerOpenApi(app, options.version);
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

function createOidcVerifier(runtime: Runtime): OidcVerifier | undefined {
  const { OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL, OIDC_PERSON_CLAIM } = runtime.config;
  if (!OIDC_ISSUER) return undefined;
  if (!OIDC_AUDIENCE) {
    // Without an audience check, any JWT the issuer signs for any application would be accepted.
    throw new Error('OIDC_AUDIENCE is required when OIDC_ISSUER is set');
  }
  return new OidcVerifier(
    {
      issuer: OIDC_ISSUER,
      audience: OIDC_AUDIENCE,
      personClaim: OIDC_PERSON_CLAIM,
      ...(OIDC_JWKS_URL ? { jwksUrl: OIDC_JWKS_URL } : {}),
    },
    runtime.repos.people,
  );
}
