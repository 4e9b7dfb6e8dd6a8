import type { Logger } from '@gatehouse/telemetry';

export interface GracefulShutdownOptions {
  graceMs: number;
  logger: Logger;
  exit?: (code: number) => void;
  /**
   * Runs after `stop` (or when the grace period is over) and before the process exits, e.g.
   * exporting the spans still queued. Must bound its own duration; its failure is ignored.
   */
  flush?: () => Promise<void>;
}

/**
 * On SIGTERM or SIGINT: stop accepting work, let in-flight requests finish for up to `graceMs`,
 * then close connections (Redis, Postgres), flush telemetry and exit. A second signal exits at
 * once.
 */
export function installGracefulShutdown(
  stop: () => Promise<void>,
  options: GracefulShutdownOptions,
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  let exiting = false;
  const finish = (code: number) => {
    if (exiting) return;
    exiting = true;
    const flush = options.flush ?? (() => Promise.resolve());
    flush()
      .catch(() => undefined)
      .then(() => exit(code));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    options.logger.info(
      { signal, graceMs: options.graceMs },
      'shutting down: draining in-flight requests',
    );
    const deadline = setTimeout(() => {
      options.logger.warn(
        { graceMs: options.graceMs },
        'grace period over: exiting with requests still open',
      );
      finish(1);
    }, options.graceMs);
    deadline.unref();
    stop().then(
      () => {
        clearTimeout(deadline);
        options.logger.info('shut down cleanly');
        finish(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        options.logger.error({ err: error }, 'error during shutdown');
        finish(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
