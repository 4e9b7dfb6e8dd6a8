import { bootstrapIfEmpty, createRuntime, launch } from '@gatehouse/app-kit';
import { createAuditSink, startGateway } from '@gatehouse/gateway-http';
import { printWelcome } from './welcome';

/**
 * Everything in one process, for a laptop: with no REDIS_URL/DATABASE_URL it keeps sessions in
 * memory and runs Postgres in-process (PGlite) under GATEHOUSE_DATA_DIR; with both set it is a
 * single-process deployment over real services.
 */
void launch('gatehouse', 'embedded', async ({ config, logger, version }) => {
  const mode = config.REDIS_URL && config.DATABASE_URL ? 'distributed' : 'embedded';
  // Embedded mode is for one machine: listen on loopback unless HOST says otherwise.
  const host = process.env['HOST'] ? config.HOST : '127.0.0.1';
  const runtime = await createRuntime(config, mode, logger, 'gatehouse');
  const bootstrap = await bootstrapIfEmpty(runtime);
  const audit = createAuditSink(runtime);
  const gateway = await startGateway(runtime, { host, port: config.PORT ?? config.GATEWAY_PORT, audit, version });
  printWelcome({ mode, gatewayUrl: gateway.url, dataDir: config.GATEHOUSE_DATA_DIR, bootstrap });
  return async () => {
    await gateway.close();
    await audit.close();
    await runtime.close();
  };
});
