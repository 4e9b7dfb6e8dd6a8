/**
 * Imported first by every app's main.ts, so OpenTelemetry patches http, undici, ioredis and
 * Prisma before Nest (or anything else) loads them. The service name comes from
 * OTEL_SERVICE_NAME, else from the app's folder (dist/apps/<name>/src/main.js).
 */
import { startTelemetry } from './sdk';

function serviceFromEntryPoint(): string {
  const entry = process.argv[1] ?? '';
  const match = /apps[\\/]([^\\/]+)[\\/]/.exec(entry);
  return match?.[1] ?? 'gatehouse';
}

const telemetry = startTelemetry(serviceFromEntryPoint());

// Flush the last spans on the graceful shutdown app-kit performs (it ends with process.exit).
process.once('beforeExit', () => void telemetry.shutdown());
