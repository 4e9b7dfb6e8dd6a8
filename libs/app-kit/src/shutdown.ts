import type { Logger } from '@gatehouse/telemetry';

/**
 * On SIGTERM or SIGINT: stop accepting work, let in-flight requests finish for up to `graceMs`,
 * then close connections (Redis, Postgres) and exit. A second signal exits at once.
 */
export function installGracefulShutdown(
  stop: () => Promise<void>,
  options: { graceMs: number; logger: Logger; exit?: (code: number) => void },
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
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
      exit(1);
    }, options.graceMs);
    deadline.unref();
    stop().then(
      () => {
        clearTimeout(deadline);
        options.logger.info('shut down cleanly');
        exit(0);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'error during shutdown');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
