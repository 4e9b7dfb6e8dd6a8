// First: OpenTelemetry must patch http, undici, ioredis and Prisma before they load.
import '@gatehouse/telemetry/preload';
import { createRuntime, launch } from '@gatehouse/app-kit';
import { startAuditService } from '@gatehouse/audit-worker';
import { portFor } from '@gatehouse/config';

void launch('audit-service', 'audit-service', async ({ config, logger }) => {
  const runtime = await createRuntime(config, 'distributed', logger, 'audit-service');
  const service = await startAuditService(runtime, {
    host: config.HOST,
    port: portFor(config, 'audit-service'),
  });
  return async () => {
    await service.close();
    await runtime.close();
  };
});
