import type { CompiledRule } from './compiled-rule';

/**
 * Rules by target, so that a decision looks only at rules that can apply to its upstream and
 * tool: literal slugs and names are Map lookups, only glob targets are tested one by one.
 */
interface ToolIndex {
  readonly byTool: Map<string, CompiledRule[]>;
  readonly toolGlobs: CompiledRule[];
}

export interface RuleIndex {
  readonly byUpstream: ReadonlyMap<string, ToolIndex>;
  /** Rules whose upstream target is a glob (including `*`). */
  readonly upstreamGlobs: ToolIndex;
}

export function buildRuleIndex(rules: readonly CompiledRule[]): RuleIndex {
  const byUpstream = new Map<string, ToolIndex>();
  const upstreamGlobs = emptyToolIndex();
  for (const rule of rules) {
    let bucket = upstreamGlobs;
    if (rule.upstream.isLiteral) {
      bucket = byUpstream.get(rule.upstream.source) ?? emptyToolIndex();
      byUpstream.set(rule.upstream.source, bucket);
    }
    if (rule.tool.isLiteral) {
      const list = bucket.byTool.get(rule.tool.source) ?? [];
      list.push(rule);
      bucket.byTool.set(rule.tool.source, list);
    } else {
      bucket.toolGlobs.push(rule);
    }
  }
  return { byUpstream, upstreamGlobs };
}

/** Calls `visit` for every rule whose upstream and tool targets match; order is unspecified. */
export function forEachTargetedRule(
  index: RuleIndex,
  upstream: string,
  tool: string,
  visit: (rule: CompiledRule) => void,
): void {
  const exact = index.byUpstream.get(upstream);
  if (exact) visitToolIndex(exact, tool, visit, undefined);
  visitToolIndex(index.upstreamGlobs, tool, visit, upstream);
}

function visitToolIndex(
  bucket: ToolIndex,
  tool: string,
  visit: (rule: CompiledRule) => void,
  upstreamToTest: string | undefined,
): void {
  const exact = bucket.byTool.get(tool);
  if (exact) {
    for (const rule of exact) {
      if (upstreamToTest === undefined || rule.upstream.matches(upstreamToTest)) visit(rule);
    }
  }
  for (const rule of bucket.toolGlobs) {
    if (upstreamToTest !== undefined && !rule.upstream.matches(upstreamToTest)) continue;
    if (rule.tool.matches(tool)) visit(rule);
  }
}

function emptyToolIndex(): ToolIndex {
  return { byTool: new Map(), toolGlobs: [] };
}
