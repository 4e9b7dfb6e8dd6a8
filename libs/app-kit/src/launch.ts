import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig, type AppRole, type GatehouseConfig } from '@gatehouse/config';
import { createLogger, shutdownTelemetry, type Logger } from '@gatehouse/telemetry';
import { installGracefulShutdown } from './shutdown';

export interface LaunchContext {
  config: GatehouseConfig;
  logger: Logger;
  version: string;
}

/** The version in the nearest package.json above this file (the repository's or the image's). */
export function readVersion(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'gatehouse' && parsed.version) return parsed.version;
    }
    if (dirname(dir) === dir) return '0.0.0';
  }
}

/** How long a stopping app waits for its last spans and metrics to reach the collector. */
export const TELEMETRY_FLUSH_TIMEOUT_MS = 5000;

/**
 * The main of every app: read and check the configuration (every problem listed, then exit 1),
 * start, and on SIGTERM stop gracefully with the function `start` returned, then flush the
 * telemetry the preload started (spans of the drained requests included) before exiting.
 */
export async function launch(
  service: string,
  role: AppRole,
  start: (ctx: LaunchContext) => Promise<() => Promise<void>>,
): Promise<void> {
  let config: GatehouseConfig;
  try {
    config = loadConfig(process.env, role);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(service, config.LOG_LEVEL);
  try {
    const stop = await start({ config, logger, version: readVersion() });
    installGracefulShutdown(stop, {
      graceMs: config.SHUTDOWN_GRACE_MS,
      logger,
      flush: () => shutdownTelemetry(TELEMETRY_FLUSH_TIMEOUT_MS),
    });
  } catch (error) {
    logger.fatal({ err: error }, `${service} could not start`);
    process.stderr.write(
      `${service} could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
