import type { ToolCallStats } from '@gatehouse/data-access';

export type CallTotals = Pick<ToolCallStats, 'calls' | 'denials' | 'approvals' | 'errors'>;

/** Sums the per-tool rows of AuditEventRepository.stats into the response's totals. */
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
