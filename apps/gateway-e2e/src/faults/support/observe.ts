import { Client as PgClient } from 'pg';
import { metricValue as metricValueAt } from '../../support/process-memory';
import type { AppProcess, ReadinessBody } from './app-process';

/** A /readyz answer at one moment (status 0: no answer at all). */
export interface ReadinessSample {
  at: number;
  status: number;
  checks: Record<string, string>;
}

export async function sampleReadiness(app: AppProcess): Promise<ReadinessSample> {
  const at = Date.now();
  try {
    const { status, body } = await app.readyz();
    return { at, status, checks: (body as ReadinessBody | undefined)?.checks ?? {} };
  } catch (error) {
    return { at, status: 0, checks: { fetch: error instanceof Error ? error.message : 'failed' } };
  }
}

/** The audit-service's own counters (GET /metrics/audit): lag and pending from Redis. */
export interface AuditWorkerSample {
  at: number;
  processed: number;
  lag: number | null;
  pending: number;
}

export async function sampleAuditWorker(app: AppProcess): Promise<AuditWorkerSample | undefined> {
  try {
    const response = await fetch(`${app.url}/metrics/audit`, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json()) as Omit<AuditWorkerSample, 'at'>;
    return { at: Date.now(), processed: body.processed, lag: body.lag, pending: body.pending };
  } catch {
    return undefined;
  }
}

/** The value of one Prometheus series from an app's /metrics (sum over matching label sets). */
export function metricValue(
  app: AppProcess,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return metricValueAt(app.url, name, labels);
}

/** Runs `sample` every `everyMs` until stopped; keeps every result. */
export class Sampler<T> {
  readonly samples: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly sample: () => Promise<T | undefined>,
    private readonly everyMs: number,
  ) {}

  start(): this {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.sample()
        .then((value) => {
          if (value !== undefined) this.samples.push(value);
        })
        .finally(() => (this.busy = false));
    }, this.everyMs);
    return this;
  }

  stop(): T[] {
    clearInterval(this.timer);
    return this.samples;
  }
}

/** Audit rows of tools/call per echoed text, for one tenant. */
export async function auditRowsByText(
  databaseUrl: string,
  tenantId: string,
): Promise<Map<string, number>> {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ text: string | null; n: string }>(
      `SELECT arguments->>'text' AS text, count(*) AS n FROM audit_events
        WHERE tenant_id = $1 AND method = 'tools/call' GROUP BY 1`,
      [tenantId],
    );
    return new Map(rows.map((r) => [r.text ?? '', Number(r.n)]));
  } finally {
    await client.end();
  }
}
