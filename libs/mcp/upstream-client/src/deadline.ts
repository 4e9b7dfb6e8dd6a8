/**
 * One signal that aborts on the caller's signal or after `timeoutMs`, and remembers which of
 * the two fired so the error can say "timeout" or "cancelled". Disposed in `finally` so a
 * finished exchange leaves no timer or listener behind.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  timedOut(): boolean;
  cancelled(): boolean;
  /** Keeps only the caller's signal, e.g. once a long-lived stream is established. */
  stopTimer(): void;
  dispose(): void;
}

export function createDeadline(
  timeoutMs: number | undefined,
  callerSignal?: AbortSignal,
): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    cancelled: () => !timedOut && callerSignal?.aborted === true,
    stopTimer() {
      if (timer !== undefined) clearTimeout(timer);
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
