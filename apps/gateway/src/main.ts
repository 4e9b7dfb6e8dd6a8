// First: OpenTelemetry must patch http, undici, ioredis and Prisma before they load.
import '@gatehouse/telemetry/preload';
import { createRuntime, launch } from '@gatehouse/app-kit';
import { portFor } from '@gatehouse/config';
import { createAuditSink, startGateway } from '@gatehouse/gateway-adapters';

void launch('gateway', 'gateway', async ({ config, logger, version }) => {
  const runtime = await createRuntime(config, 'distributed', logger, 'gateway');
  const audit = createAuditSink(runtime);
  // Not ready while tool calls would be refused: the audit stream's own connection can still be
  // reconnecting after Redis is back (docs/reliability.md, Redis restart).
  runtime.checks['audit-stream'] = () => audit.checkAvailable();
  const gateway = await startGateway(runtime, {
    host: config.HOST,
    port: portFor(config, 'gateway'),
    audit,
    version,
  });
  return async () => {
    await gateway.close();
    await audit.close();
    await runtime.close();
  };
});
