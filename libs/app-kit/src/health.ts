export type ReadinessCheck = () => Promise<void>;

export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'draining';
  checks: Record<string, 'ok' | string>;
}

/**
 * Runs every dependency check with a deadline, in parallel. A check that throws or is too slow
 * makes the app not ready; the report names which and why.
 */
export async function checkReadiness(
  checks: Record<string, ReadinessCheck>,
  draining: boolean,
  timeoutMs = 2000,
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
  const healthy = entries.every(([, v]) => v === 'ok');
  return { status: draining ? 'draining' : healthy ? 'ready' : 'not_ready', checks: report };
}
