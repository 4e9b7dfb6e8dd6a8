// First: OpenTelemetry must patch http, undici, ioredis and Prisma before they load.
import '@gatehouse/telemetry/preload';
import { bootstrapIfEmpty, createRuntime, launch } from '@gatehouse/app-kit';
import { startAdminApi } from '@gatehouse/admin-api';
import { portFor } from '@gatehouse/config';

void launch('admin-api', 'admin-api', async ({ config, logger, version }) => {
  const runtime = await createRuntime(config, 'distributed', logger, 'admin-api');
  const bootstrap = await bootstrapIfEmpty(runtime);
  if (bootstrap.secret) {
    // Printed once, on the first start with an empty database; only its hash is stored.
    process.stdout.write(
      `\nPlatform-admin token (shown once, keep it now): ${bootstrap.secret}\n\n`,
    );
  }
  const admin = await startAdminApi(runtime, {
    host: config.HOST,
    port: portFor(config, 'admin-api'),
    version,
  });
  return async () => {
    await admin.close();
    await runtime.close();
  };
});
