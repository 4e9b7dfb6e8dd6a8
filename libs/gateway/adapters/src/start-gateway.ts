import {
  startHttpApp,
  createBearerResolver,
  type HttpAppHandle,
  type Runtime,
} from '@gatehouse/app-kit';
import {
  createGateway,
  isLoopbackHostname,
  MCP_SCOPE,
  type AuditSink,
} from '@gatehouse/gateway-core';
import { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import { connectRedis, RedisCallLimiter, RedisInflightCallStore } from '@gatehouse/session-store';
import { BusApprovalGate } from './approval-gate';
import { answerGatewayFrameworkError, gatewayClientErrorBody } from './framework-errors';
import { GatewayModule } from './gateway.module';
import { registerMcpRoutes } from './mcp-routes';
import { PolicyToolAccess } from './policy-tool-access';
import { ToolPinning } from './tool-pinning';
import { CachedSessionStore } from './session-cache';
import { startConfigSnapshots } from './config-snapshot-wiring';
import { CachedUpstreamDirectory } from './upstream-directory';
import { TenantCallLimiter } from './tenant-call-limiter';
import type { SessionStore } from '@gatehouse/session-store';
import { gatehouseMetrics, type ObservableCallback } from '@gatehouse/telemetry';

export interface GatewayStartOptions {
  host: string;
  port: number;
  audit: AuditSink;
  version: string;
}

/** Starts the MCP gateway on `host:port` over the runtime's stores. */
export async function startGateway(
  runtime: Runtime,
  options: GatewayStartOptions,
): Promise<HttpAppHandle> {
  const snapshots = startConfigSnapshots(runtime);
  runtime = snapshots.runtime;
  const { config, logger, repos, bus } = runtime;
  await snapshots.start();
  const directory = new CachedUpstreamDirectory(
    repos.upstreams,
    repos.upstreamCredentials,
    runtime.secrets,
    logger,
  );
  await directory.listen(bus);
  const sessions =
    runtime.mode === 'distributed' && config.SESSION_CACHE_MS > 0
      ? new CachedSessionStore(runtime.sessions, bus, {
          maxAgeMs: config.SESSION_CACHE_MS,
          maxEntries: 10_000,
        })
      : undefined;
  await sessions?.listen();
  const pinning = new ToolPinning(repos.toolPins, logger);
  const toolAccess = new PolicyToolAccess(repos.policies, repos.tenants, pinning, logger);
  await toolAccess.listen(bus);
  const upstreamClient = new UpstreamClient({
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    maxResponseBytes: config.UPSTREAM_MAX_RESPONSE_BYTES,
    userAgent: `gatehouse/${options.version}`,
    allowPrivateNetworks: config.UPSTREAM_ALLOW_PRIVATE_NETWORKS,
  });
  // Limits need Redis: the embedded mode runs without them.
  const limiterRedis =
    config.LIMITS_REDIS_URL && runtime.redis
      ? connectRedis(config.LIMITS_REDIS_URL, 'gateway-limits')
      : runtime.redis;
  if (limiterRedis !== runtime.redis)
    limiterRedis?.on('error', (error: Error) =>
      logger.warn({ err: error.message }, 'limiter redis connection problem'),
    );
  const limiter = limiterRedis
    ? new TenantCallLimiter(
        repos.limits,
        new RedisCallLimiter(limiterRedis, config.REDIS_KEY_PREFIX),
        logger,
        { leaseMs: config.UPSTREAM_TIMEOUT_MS + 30_000 },
        pinning,
      )
    : undefined;
  await limiter?.listen(bus);
  const publicUrl = (
    config.PUBLIC_URL ??
    `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.port}`
  ).replace(/\/$/, '');
  const resourceMetadataUrl = `${publicUrl}/.well-known/oauth-protected-resource`;
  // RFC 8707: JWTs are accepted only when issued for this resource, never the admin API's.
  const resource = `${publicUrl}/mcp`;
  // A tenant URL (/t/<tenant>/mcp) is a resource of its own, named by its own metadata.
  const tenantResource = (tenant: string | undefined) =>
    tenant === undefined ? resource : `${publicUrl}/t/${tenant}/mcp`;
  const identities = await createBearerResolver(runtime, {
    audiences: [resource],
    tenantAudience: tenantResource,
  });
  const gateway = createGateway({
    settings: {
      sessionTtlSeconds: config.SESSION_IDLE_TTL_SECONDS,
      origins: {
        publicOrigin: new URL(publicUrl).origin,
        allowedOrigins: config.ALLOWED_ORIGINS,
        allowedHosts: config.ALLOWED_HOSTS,
        loopbackBound: isLoopbackHostname(options.host),
      },
      resourceMetadataUrl,
      serverInfo: { name: 'gatehouse', version: options.version },
    },
    identities,
    sessions: sessions ?? runtime.sessions,
    events: runtime.events,
    eras: runtime.eras,
    directory,
    upstreamClient,
    toolAccess,
    approvals: new BusApprovalGate(repos.approvals, bus, config.APPROVAL_TIMEOUT_SECONDS * 1000),
    audit: options.audit,
    bus,
    logger,
    ...(limiter ? { limiter } : {}),
    ...(runtime.redis
      ? {
          inflightCalls: {
            store: new RedisInflightCallStore(runtime.redis, config.REDIS_KEY_PREFIX),
            options: {
              heartbeatMs: config.REPLICA_HEARTBEAT_MS,
              ownerTtlMs: config.REPLICA_DEAD_AFTER_MS,
              callTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
            },
          },
        }
      : {}),
  });
  await gateway.start();
  const observeSessions = liveSessionsGauge(sessions ?? runtime.sessions);
  gatehouseMetrics().activeSessions.addCallback(observeSessions);

  const handle = await startHttpApp(GatewayModule, {
    name: 'gateway',
    host: options.host,
    port: options.port,
    logger,
    checks: runtime.checks,
    // Tool calls go on from cached tokens, policies and upstreams while Postgres is away
    // (docs/reliability.md): a Postgres outage must not pull every replica out of rotation.
    degradedChecks: ['postgres', 'config-snapshot'],
    trustProxy: config.TRUST_PROXY,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    bodyLimit: config.MCP_MAX_BODY_BYTES,
    frameworkErrors: answerGatewayFrameworkError,
    clientErrorBody: gatewayClientErrorBody,
    configure: async (app) => {
      const resourceMetadata: Record<string, unknown> = {
        resource,
        bearer_methods_supported: ['header'],
        scopes_supported: [MCP_SCOPE],
        resource_name: 'Gatehouse MCP gateway',
      };
      if (config.OIDC_ISSUER) resourceMetadata['authorization_servers'] = [config.OIDC_ISSUER];
      await registerMcpRoutes(app.getHttpAdapter().getInstance(), gateway, {
        bodyLimit: config.MCP_MAX_BODY_BYTES,
        resourceMetadata,
        tenantResourceMetadata: async (tenant) => {
          const servers = await identities.tenantIssuers(tenant);
          const fallback = config.OIDC_ISSUER ? [config.OIDC_ISSUER] : [];
          return {
            ...resourceMetadata,
            resource: tenantResource(tenant),
            authorization_servers: servers.length > 0 ? servers : fallback,
          };
        },
        logger,
        sseWriteStallTimeoutMs: config.SSE_WRITE_STALL_TIMEOUT_MS,
      });
    },
  });
  return {
    ...handle,
    close: async () => {
      gatehouseMetrics().activeSessions.removeCallback(observeSessions);
      // Standalone GET streams never end on their own: close them first, then drain the rest.
      await gateway.stop();
      await handle.close();
      await gateway.retire();
      await Promise.all([
        identities.stop(),
        directory.stop(),
        toolAccess.stop(),
        sessions?.close(),
        limiter?.stop(),
        snapshots.stop(),
      ]);
      if (limiterRedis && limiterRedis !== runtime.redis) await limiterRedis.quit();
      await upstreamClient.close();
    },
  };
}

/**
 * `gatehouse.sessions.active`: the installation's live sessions, counted in the session store
 * (so sessions that end by TTL leave it too). Read at most every 5 s however often it is
 * scraped; nothing is observed while the store cannot answer.
 */
function liveSessionsGauge(store: SessionStore): ObservableCallback {
  let last: { at: number; count: Promise<number> } | undefined;
  return async (result) => {
    if (!last || Date.now() - last.at >= 5_000) last = { at: Date.now(), count: store.countLive() };
    const count = await last.count.catch(() => undefined);
    if (count === undefined) last = undefined;
    else result.observe(count);
  };
}
