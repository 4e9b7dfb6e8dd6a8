/** What startTelemetry started in this process (the preload's SDK and metric readers). */
export interface TelemetryHandle {
  tracing: boolean;
  shutdown(): Promise<void>;
}

let started: TelemetryHandle | undefined;
let stopping: Promise<void> | undefined;

export function registerTelemetry(handle: TelemetryHandle): TelemetryHandle {
  started = handle;
  stopping = undefined;
  return handle;
}

/**
 * Flushes and stops what the preload started: spans still queued in the batch span processor
 * are exported, then the exporters and metric readers close. Waits at most `timeoutMs` (an
 * unreachable collector must not hold a stopping process), never rejects, runs once however
 * often it is called. A no-op when no telemetry was started (tests, tools).
 */
export function shutdownTelemetry(timeoutMs = 5000): Promise<void> {
  const handle = started;
  if (!handle) return Promise.resolve();
  stopping ??= new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    handle.shutdown().then(done, done);
  });
  return stopping;
}
