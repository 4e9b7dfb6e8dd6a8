import { buildActivation, type CelActivation } from './cel-environment';
import type { CompiledRule, MatchedRule } from './compiled-rule';
import type { CompiledPolicy } from './policy-compiler';
import type { EvaluationInput } from './policy-input';
import type { PolicyEffect } from './policy-rule.schema';
import { targetedRules } from './rule-index';
import { explainScopeDenial } from './token-scopes';

export interface Decision {
  readonly effect: PolicyEffect;
  /** Every enabled rule that matched, highest priority first (then in the order given). */
  readonly matchedRules: readonly MatchedRule[];
  /** For people and agents: which rule decided, or why nothing allowed the call. */
  readonly reason: string;
  readonly policyVersion: number;
}

interface Match {
  readonly rule: CompiledRule;
  /** Set when a deny rule matched only because its condition failed (fail closed). */
  readonly conditionError?: string;
}

/**
 * Decides one call. Combining: any matching deny wins, then require_approval, then allow; no
 * match is a deny. A condition that fails at run time (missing key, wrong type, non-bool) does
 * not match for allow and require_approval rules but does match for deny rules: an error never
 * opens access. Token scopes are checked first and can only turn the result into a deny.
 */
export function evaluatePolicy(policy: CompiledPolicy, input: EvaluationInput): Decision {
  const policyVersion = policy.version;
  const scopeDenial = explainScopeDenial(input.identity.scopes, input.upstream, input.tool.name);
  if (scopeDenial !== undefined) {
    return { effect: 'deny', matchedRules: [], reason: scopeDenial, policyVersion };
  }

  const matches: Match[] = [];
  let activation: CelActivation | undefined;
  for (const rule of targetedRules(policy.index, input.upstream, input.tool.name)) {
    if (rule.risks !== undefined && !rule.risks.has(input.tool.risk.level)) continue;
    if (!rule.subjects.matches(input.identity)) continue;
    if (rule.condition === undefined) {
      matches.push({ rule });
      continue;
    }
    activation ??= buildActivation(input);
    try {
      if (rule.condition.evaluate(activation)) matches.push({ rule });
    } catch (error: unknown) {
      if (rule.effect === 'deny') matches.push({ rule, conditionError: errorSummary(error) });
    }
  }

  const decisive =
    matches.find((m) => m.rule.effect === 'deny') ??
    matches.find((m) => m.rule.effect === 'require_approval') ??
    matches.find((m) => m.rule.effect === 'allow');
  return {
    effect: decisive?.rule.effect ?? 'deny',
    matchedRules: matches.map((m) => m.rule.summary),
    reason: decisive ? describe(decisive, matches) : 'no rule matched: denied by default',
    policyVersion,
  };
}

const VERB: Record<PolicyEffect, string> = {
  deny: 'denied',
  require_approval: 'approval required',
  allow: 'allowed',
};

function describe(decisive: Match, matches: readonly Match[]): string {
  const { rule, conditionError } = decisive;
  const others = matches.filter((m) => m.rule.effect === rule.effect).length - 1;
  const more = others > 0 ? ` and ${others} more ${rule.effect} rule${others > 1 ? 's' : ''}` : '';
  const failClosed = conditionError
    ? ` (its condition could not be evaluated, so it applies: ${conditionError})`
    : '';
  return `${VERB[rule.effect]} by rule '${rule.name}' (${rule.id})${failClosed}${more}`;
}

function errorSummary(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as Error & { summary?: unknown }).summary;
    return typeof summary === 'string' && summary !== '' ? summary : error.message;
  }
  return String(error);
}
