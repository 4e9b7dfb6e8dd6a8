import { Prisma, type PrismaClient } from '../generated/prisma/client';
import {
  histogramPercentile,
  SQL_HISTOGRAM_OF_BUCKETS,
  SQL_LATENCY_BUCKET,
  sqlHistogramCombine,
  sqlHistogramSum,
} from './latency-histogram';

// The hourly rollup audit_tool_hours of the tool calls in audit_events: the SQL that adds events
// to it or takes them out (AuditEventRepository runs it in the statements that write and delete
// the events) and the tool-call statistics read from it.

/** Tool-call statistics of one upstream/tool over a time range (GET …/audit/stats). */
export interface ToolCallStats {
  upstream: string | null;
  tool: string;
  calls: number;
  /** decision deny. */
  denials: number;
  /** decision require_approval. */
  approvals: number;
  /** outcome error, upstream_error or timed_out. */
  errors: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

export const HOUR_MS = 3_600_000;

/**
 * The rows of `source` (audit_events or a CTE with its columns tenant_id, time, kind, upstream,
 * tool, decision, outcome, latency_ms) as audit_tool_hours rows: tool calls grouped by tenant,
 * UTC hour, upstream ('' for none) and tool, in key order (so that concurrent upserts lock the
 * rollup rows in the same order and cannot deadlock).
 */
export function toolHoursOf(source: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT tenant_id, hour, upstream, tool, sum(n)::int AS calls, sum(denials)::int AS denials,
           sum(approvals)::int AS approvals, sum(errors)::int AS errors,
           ${SQL_HISTOGRAM_OF_BUCKETS} AS latency_histogram
      FROM (SELECT tenant_id, date_trunc('hour', time, 'UTC') AS hour,
                   coalesce(upstream, '') AS upstream, tool, ${SQL_LATENCY_BUCKET} AS bucket,
                   count(*) AS n,
                   count(*) FILTER (WHERE decision = 'deny') AS denials,
                   count(*) FILTER (WHERE decision = 'require_approval') AS approvals,
                   count(*) FILTER (WHERE outcome IN ('error', 'upstream_error', 'timed_out')) AS errors
              FROM ${source}
             WHERE kind = 'mcp' AND tool IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5) AS buckets
     GROUP BY tenant_id, hour, upstream, tool
     ORDER BY tenant_id, hour, upstream, tool`;
}

/** Adds the tool calls of `source` (see toolHoursOf) to audit_tool_hours. */
export function addToolHours(source: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO audit_tool_hours AS t (tenant_id, hour, upstream, tool, calls, denials, approvals,
      errors, latency_histogram)
    ${toolHoursOf(source)}
    ON CONFLICT (tenant_id, hour, upstream, tool) DO UPDATE SET
      calls = t.calls + excluded.calls, denials = t.denials + excluded.denials,
      approvals = t.approvals + excluded.approvals, errors = t.errors + excluded.errors,
      latency_histogram = ${sqlHistogramCombine('t.latency_histogram', '+', 'excluded.latency_histogram')}`;
}

/** The event columns the rollup reads, as RETURNING lists them. */
export const ROLLUP_COLUMNS = Prisma.sql`tenant_id, time, kind, upstream, tool, decision, outcome, latency_ms`;

type StatsRow = {
  upstream: string | null;
  tool: string;
  calls: bigint;
  denials: bigint;
  approvals: bigint;
  errors: bigint;
};

function countsOf(r: StatsRow): Omit<ToolCallStats, 'p50LatencyMs' | 'p95LatencyMs'> {
  return {
    upstream: r.upstream,
    tool: r.tool,
    calls: Number(r.calls),
    denials: Number(r.denials),
    approvals: Number(r.approvals),
    errors: Number(r.errors),
  };
}

/**
 * AuditEventRepository.stats. A range holding no whole UTC hour is read from the events, with
 * exact percentiles (percentile_cont). Otherwise the whole hours come from the rollup
 * audit_tool_hours and the partial first and last hours (< 1 h each) from the events, merged:
 * counts exact, percentiles from the merged latency histogram, within a factor 2^(1/8) of
 * percentile_cont (latency-histogram.ts).
 */
export async function toolCallStats(
  prisma: PrismaClient,
  tenantId: string,
  range: { from: Date; to: Date },
): Promise<ToolCallStats[]> {
  const hoursFrom = new Date(Math.ceil(range.from.getTime() / HOUR_MS) * HOUR_MS);
  const hoursTo = new Date(Math.floor(range.to.getTime() / HOUR_MS) * HOUR_MS);
  if (hoursFrom >= hoursTo) return toolCallStatsOfEvents(prisma, tenantId, range);
  const rows = await prisma.$queryRaw<(StatsRow & { histogram: bigint[] })[]>`
    WITH partial AS (
      SELECT coalesce(upstream, '') AS upstream, tool, ${SQL_LATENCY_BUCKET} AS bucket,
             count(*) AS n,
             count(*) FILTER (WHERE decision = 'deny') AS denials,
             count(*) FILTER (WHERE decision = 'require_approval') AS approvals,
             count(*) FILTER (WHERE outcome IN ('error', 'upstream_error', 'timed_out')) AS errors
        FROM audit_events
       WHERE tenant_id = ${tenantId}::uuid AND kind = 'mcp' AND tool IS NOT NULL
         AND ((time >= ${range.from}::timestamptz AND time < ${hoursFrom}::timestamptz)
           OR (time >= ${hoursTo}::timestamptz AND time < ${range.to}::timestamptz))
       GROUP BY 1, 2, 3),
    parts AS (
      SELECT upstream, tool, calls::bigint AS calls, denials::bigint AS denials,
             approvals::bigint AS approvals, errors::bigint AS errors, latency_histogram
        FROM audit_tool_hours
       WHERE tenant_id = ${tenantId}::uuid
         AND hour >= ${hoursFrom}::timestamptz AND hour < ${hoursTo}::timestamptz
      UNION ALL
      SELECT upstream, tool, sum(n)::bigint, sum(denials)::bigint, sum(approvals)::bigint,
             sum(errors)::bigint, ${SQL_HISTOGRAM_OF_BUCKETS}
        FROM partial GROUP BY upstream, tool)
    SELECT nullif(upstream, '') AS upstream, tool, sum(calls)::bigint AS calls,
           sum(denials)::bigint AS denials, sum(approvals)::bigint AS approvals,
           sum(errors)::bigint AS errors, ${sqlHistogramSum('latency_histogram')} AS histogram
      FROM parts
     GROUP BY upstream, tool
     ORDER BY sum(calls) DESC, nullif(upstream, ''), tool`;
  return rows.map((r) => {
    const histogram = r.histogram.map(Number);
    return {
      ...countsOf(r),
      p50LatencyMs: histogramPercentile(histogram, 0.5),
      p95LatencyMs: histogramPercentile(histogram, 0.95),
    };
  });
}

/** toolCallStats from the events alone, exact percentiles; for ranges without a whole hour. */
async function toolCallStatsOfEvents(
  prisma: PrismaClient,
  tenantId: string,
  range: { from: Date; to: Date },
): Promise<ToolCallStats[]> {
  const rows = await prisma.$queryRaw<(StatsRow & { p50: number | null; p95: number | null })[]>`
    SELECT upstream, tool,
           count(*) AS calls,
           count(*) FILTER (WHERE decision = 'deny') AS denials,
           count(*) FILTER (WHERE decision = 'require_approval') AS approvals,
           count(*) FILTER (WHERE outcome IN ('error', 'upstream_error', 'timed_out')) AS errors,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
      FROM audit_events
     WHERE tenant_id = ${tenantId}::uuid AND kind = 'mcp' AND tool IS NOT NULL
       AND time >= ${range.from}::timestamptz AND time < ${range.to}::timestamptz
     GROUP BY upstream, tool
     ORDER BY count(*) DESC, upstream, tool`;
  return rows.map((r) => ({
    ...countsOf(r),
    p50LatencyMs: r.p50 === null ? null : Number(r.p50),
    p95LatencyMs: r.p95 === null ? null : Number(r.p95),
  }));
}
