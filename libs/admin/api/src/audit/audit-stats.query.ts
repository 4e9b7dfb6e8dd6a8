import type { PrismaClient } from '@gatehouse/data-access';

export interface ToolCallStats {
  upstream: string | null;
  tool: string;
  calls: number;
  denials: number;
  approvals: number;
  errors: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

export type CallTotals = Omit<ToolCallStats, 'upstream' | 'tool' | 'p50LatencyMs' | 'p95LatencyMs'>;

interface StatsRow {
  upstream: string | null;
  tool: string;
  calls: bigint;
  denials: bigint;
  approvals: bigint;
  errors: bigint;
  p50: number | null;
  p95: number | null;
}

/**
 * Tool-call statistics per upstream and tool over [from, to): calls, denials (decision deny),
 * approvals (decision require_approval), errors (error, upstream_error, timed_out) and latency
 * percentiles. AuditEventRepository.stats counts only calls and "not ok" outcomes (a denial
 * would count as an error there), so the admin API asks this narrower question itself; it
 * belongs in the repository once that grows these columns.
 */
export async function toolCallStats(
  prisma: PrismaClient,
  tenantId: string,
  range: { from: Date; to: Date },
): Promise<ToolCallStats[]> {
  const rows = await prisma.$queryRaw<StatsRow[]>`
    SELECT upstream, tool,
           count(*) AS calls,
           count(*) FILTER (WHERE decision = 'deny') AS denials,
           count(*) FILTER (WHERE decision = 'require_approval') AS approvals,
           count(*) FILTER (WHERE outcome IN ('error', 'upstream_error', 'timed_out')) AS errors,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
      FROM audit_events
     WHERE tenant_id = ${tenantId}::uuid AND kind = 'mcp' AND tool IS NOT NULL
       AND time >= ${range.from} AND time < ${range.to}
     GROUP BY upstream, tool
     ORDER BY count(*) DESC, upstream, tool`;
  return rows.map((r) => ({
    upstream: r.upstream,
    tool: r.tool,
    calls: Number(r.calls),
    denials: Number(r.denials),
    approvals: Number(r.approvals),
    errors: Number(r.errors),
    p50LatencyMs: r.p50 === null ? null : Number(r.p50),
    p95LatencyMs: r.p95 === null ? null : Number(r.p95),
  }));
}

export function totalsOf(tools: readonly ToolCallStats[]): CallTotals {
  return tools.reduce<CallTotals>(
    (sum, t) => ({
      calls: sum.calls + t.calls,
      denials: sum.denials + t.denials,
      approvals: sum.approvals + t.approvals,
      errors: sum.errors + t.errors,
    }),
    { calls: 0, denials: 0, approvals: 0, errors: 0 },
  );
}
