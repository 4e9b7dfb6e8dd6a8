// First: OpenTelemetry must patch http, undici, ioredis and Prisma before they load.
import '@gatehouse/telemetry/preload';
import { bootstrapIfEmpty, createRuntime, launch, type HttpAppHandle } from '@gatehouse/app-kit';
import { startAdminApi } from '@gatehouse/admin-api';
import { startAuditService, type AuditServiceHandle } from '@gatehouse/audit-worker';
import { createAuditSink, startGateway } from '@gatehouse/gateway-adapters';
import { applyStartupFile } from './startup-apply';
import { printWelcome } from './welcome';

/**
 * Everything in one process, for a laptop: with no REDIS_URL/DATABASE_URL it keeps sessions in
 * memory and runs Postgres in-process (PGlite) under GATEHOUSE_DATA_DIR; with both set it is a
 * single-process deployment over real services (gateway, admin API and audit worker).
 */
void launch('gatehouse', 'embedded', async ({ config: loaded, logger, version }) => {
  const mode = loaded.REDIS_URL && loaded.DATABASE_URL ? 'distributed' : 'embedded';
  // On a laptop the MCP servers to register usually run on the same machine: allow loopback and
  // private upstream URLs unless the variable says otherwise.
  const config =
    mode === 'embedded' && process.env['UPSTREAM_ALLOW_PRIVATE_NETWORKS'] === undefined
      ? { ...loaded, UPSTREAM_ALLOW_PRIVATE_NETWORKS: true }
      : loaded;
  // Embedded mode is for one machine: listen on loopback unless HOST says otherwise.
  const host = process.env['HOST'] ? config.HOST : '127.0.0.1';
  const runtime = await createRuntime(config, mode, logger, 'gatehouse');
  const bootstrap = await bootstrapIfEmpty(runtime);
  const audit = createAuditSink(runtime);
  const gateway = await startGateway(runtime, {
    host,
    port: config.PORT ?? config.GATEWAY_PORT,
    audit,
    version,
  });
  const admin: HttpAppHandle = await startAdminApi(runtime, {
    host,
    port: config.ADMIN_API_PORT,
    version,
  });
  // Embedded: the audit sink writes to the database itself; distributed: drain the Redis stream.
  const worker: AuditServiceHandle | undefined =
    mode === 'distributed'
      ? await startAuditService(runtime, { host, port: config.AUDIT_SERVICE_PORT })
      : undefined;
  // ./gatehouse.yaml, when present, through the admin API just started (never prunes).
  const applied = await applyStartupFile(runtime, admin.url);
  printWelcome({
    mode,
    ...(applied ? { applied } : {}),
    gatewayUrl: gateway.url,
    adminUrl: admin.url,
    dataDir: config.GATEHOUSE_DATA_DIR,
    bootstrap,
  });
  return async () => {
    await Promise.all([gateway.close(), admin.close()]);
    await audit.close();
    await worker?.close();
    await runtime.close();
  };
});
