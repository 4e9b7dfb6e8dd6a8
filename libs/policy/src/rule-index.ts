import type { CompiledRule } from './compiled-rule';

/**
 * Rules by target, so that a decision looks only at rules that can apply to its upstream and
 * tool: literal slugs and names are Map lookups, only glob targets are tested one by one. The
 * result for an (upstream, tool) pair is remembered, in rank order, so a warm decision starts
 * from a ready list.
 */
interface ToolIndex {
  readonly byTool: Map<string, CompiledRule[]>;
  readonly toolGlobs: CompiledRule[];
}

export interface RuleIndex {
  readonly byUpstream: ReadonlyMap<string, ToolIndex>;
  /** Rules whose upstream target is a glob (including `*`). */
  readonly upstreamGlobs: ToolIndex;
  readonly targeted: Map<string, readonly CompiledRule[]>;
}

/* Upstream and tool names can come from requests, so the memo is bounded. */
const MAX_REMEMBERED_TARGETS = 10_000;

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
  return { byUpstream, upstreamGlobs, targeted: new Map() };
}

/** The enabled rules whose upstream and tool targets match, highest rank first. */
export function targetedRules(
  index: RuleIndex,
  upstream: string,
  tool: string,
): readonly CompiledRule[] {
  const key = `${upstream}\u0000${tool}`;
  let rules = index.targeted.get(key);
  if (rules === undefined) {
    rules = collectTargetedRules(index, upstream, tool);
    if (index.targeted.size >= MAX_REMEMBERED_TARGETS) index.targeted.clear();
    index.targeted.set(key, rules);
  }
  return rules;
}

function collectTargetedRules(index: RuleIndex, upstream: string, tool: string): CompiledRule[] {
  const found: CompiledRule[] = [];
  const exact = index.byUpstream.get(upstream);
  if (exact) {
    found.push(...(exact.byTool.get(tool) ?? []));
    found.push(...exact.toolGlobs.filter((rule) => rule.tool.matches(tool)));
  }
  const { byTool, toolGlobs } = index.upstreamGlobs;
  for (const rule of [...(byTool.get(tool) ?? []), ...toolGlobs]) {
    if (rule.upstream.matches(upstream) && rule.tool.matches(tool)) found.push(rule);
  }
  return found.sort((a, b) => a.rank - b.rank);
}

function emptyToolIndex(): ToolIndex {
  return { byTool: new Map(), toolGlobs: [] };
}
