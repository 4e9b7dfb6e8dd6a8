export type ReadinessCheck = () => Promise<void>;

export interface ReadinessReport {
  /** `degraded`: only checks the app can work without are failing; it still takes traffic. */
  status: 'ready' | 'degraded' | 'not_ready' | 'draining';
  checks: Record<string, 'ok' | string>;
}

/**
 * Runs every dependency check with a deadline, in parallel. A check that throws or is too slow
 * makes the app not ready, unless it is one of `degradable` (a dependency the app serves
 * without for a while, e.g. the gateway without Postgres, from its caches): then the app is
 * `degraded` and stays in rotation. The report names which checks fail and why.
 */
export async function checkReadiness(
  checks: Record<string, ReadinessCheck>,
  draining: boolean,
  timeoutMs = 2000,
  degradable: readonly string[] = [],
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        return [name, 'ok'];
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report = Object.fromEntries(entries);
  const failing = entries.filter(([, v]) => v !== 'ok').map(([name]) => name);
  const status =
    failing.length === 0
      ? 'ready'
      : failing.every((name) => degradable.includes(name))
        ? 'degraded'
        : 'not_ready';
  return { status: draining ? 'draining' : status, checks: report };
}
