import type { PrismaClient } from '../generated/prisma/client';
import { latencyBucket, LATENCY_BUCKETS } from './latency-histogram';

const HOUR_MS = 3_600_000;
const ERROR_OUTCOMES = new Set(['error', 'upstream_error', 'timed_out']);

/** One `audit_tool_hours` row as the rollup tests compare it. */
export interface ToolHourRow {
  hour: number;
  upstream: string;
  tool: string;
  calls: number;
  denials: number;
  approvals: number;
  errors: number;
  latencyHistogram: number[];
}

/** "<hour ISO> <upstream>/<tool>": the rollup's key, readable in a failed assertion. */
export const toolHourKey = (r: { hour: number; upstream: string; tool: string }): string =>
  `${new Date(r.hour).toISOString()} ${r.upstream}/${r.tool}`;

/** A tenant's rollup rows as stored. */
export async function storedToolHours(
  prisma: PrismaClient,
  tenantId: string,
): Promise<Map<string, ToolHourRow>> {
  const rows = await prisma.auditToolHour.findMany({ where: { tenantId } });
  return new Map(
    rows.map((r) => {
      const row: ToolHourRow = {
        hour: r.hour.getTime(),
        upstream: r.upstream,
        tool: r.tool,
        calls: r.calls,
        denials: r.denials,
        approvals: r.approvals,
        errors: r.errors,
        latencyHistogram: r.latencyHistogram,
      };
      return [toolHourKey(row), row];
    }),
  );
}

/** The rollup recomputed in TypeScript from the tenant's events as stored now. */
export async function toolHoursFromEvents(
  prisma: PrismaClient,
  tenantId: string,
): Promise<Map<string, ToolHourRow>> {
  const events = await prisma.auditEvent.findMany({
    where: { tenantId, kind: 'mcp', tool: { not: null } },
  });
  const hours = new Map<string, ToolHourRow>();
  for (const e of events) {
    if (e.tool === null) continue;
    const hour = Math.floor(e.time.getTime() / HOUR_MS) * HOUR_MS;
    const key = toolHourKey({ hour, upstream: e.upstream ?? '', tool: e.tool });
    const row = hours.get(key) ?? {
      hour,
      upstream: e.upstream ?? '',
      tool: e.tool,
      calls: 0,
      denials: 0,
      approvals: 0,
      errors: 0,
      latencyHistogram: new Array<number>(LATENCY_BUCKETS).fill(0),
    };
    row.calls += 1;
    if (e.decision === 'deny') row.denials += 1;
    if (e.decision === 'require_approval') row.approvals += 1;
    if (ERROR_OUTCOMES.has(e.outcome)) row.errors += 1;
    if (e.latencyMs !== null) {
      const bucket = latencyBucket(e.latencyMs);
      row.latencyHistogram[bucket] = (row.latencyHistogram[bucket] ?? 0) + 1;
    }
    hours.set(key, row);
  }
  return hours;
}
