// First: OpenTelemetry must patch http, undici, ioredis and Prisma before they load.
import '@gatehouse/telemetry/preload';
import { createRuntime, launch } from '@gatehouse/app-kit';
import { startAuthorizationServer } from '@gatehouse/authorization-server';

void launch('authorization-server', 'admin-api', async ({ config, logger }) => {
  const runtime = await createRuntime(config, 'distributed', logger, 'authorization-server');
  const server = await startAuthorizationServer(runtime, {
    host: config.HOST,
    port: config.AUTHORIZATION_SERVER_PORT,
  });
  logger.info({ url: server.url, issuer: server.issuer }, 'authorization server listening');
  return async () => {
    await server.close();
    await runtime.close();
  };
});
