/**
 * Imported first by every app's main.ts, so OpenTelemetry patches http, undici, ioredis and
 * Prisma before Nest (or anything else) loads them. The service name comes from
 * OTEL_SERVICE_NAME, else from the app's folder (dist/apps/<name>/src/main.js).
 */
import { shutdownTelemetry } from './lifecycle';
import { startTelemetry } from './sdk';

function serviceFromEntryPoint(): string {
  const entry = process.argv[1] ?? '';
  const match = /apps[\\/]([^\\/]+)[\\/]/.exec(entry);
  return match?.[1] ?? 'gatehouse';
}

startTelemetry(serviceFromEntryPoint());

// The graceful shutdown (app-kit's launch) awaits shutdownTelemetry() after the HTTP drain and
// before process.exit, which emits no 'beforeExit'; this covers a process that ends on its own.
process.once('beforeExit', () => void shutdownTelemetry());
