import type { CompiledCondition } from './cel-condition';
import type { CompiledGlob } from './glob';
import type { PolicyEffect } from './policy-rule.schema';
import type { SubjectMatcher } from './subject-matcher';
import type { RiskLevel } from './tool-risk';

/** What a decision says about a rule that matched. */
export interface MatchedRule {
  readonly id: string;
  readonly name: string;
  readonly effect: PolicyEffect;
}

export interface CompiledRule {
  readonly id: string;
  readonly name: string;
  readonly effect: PolicyEffect;
  /** Position after ordering by priority (higher first), then by the order given. */
  readonly rank: number;
  readonly subjects: SubjectMatcher;
  readonly upstream: CompiledGlob;
  readonly tool: CompiledGlob;
  readonly risks: ReadonlySet<RiskLevel> | undefined;
  readonly condition: CompiledCondition | undefined;
  /** Shared, frozen summary put into decisions without allocating. */
  readonly summary: MatchedRule;
}
