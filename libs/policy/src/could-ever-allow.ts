import type { CompiledPolicy } from './policy-compiler';
import type { PolicyIdentity } from './policy-input';
import { targetedRules } from './rule-index';
import { scopesPermit } from './token-scopes';
import type { ToolRisk } from './tool-risk';

export interface ListingInput {
  readonly identity: PolicyIdentity;
  readonly upstream: string;
  readonly tool: { readonly name: string; readonly risk: ToolRisk };
}

/**
 * For tools/list: could a call of this tool by this caller ever be allowed or held for approval?
 * Conditions are ignored (they depend on arguments and time), except that a deny rule without a
 * condition rules the tool out for good. Token scopes must permit the tool.
 */
export function couldEverAllow(policy: CompiledPolicy, input: ListingInput): boolean {
  if (!scopesPermit(input.identity.scopes, input.upstream, input.tool.name)) return false;
  let permitting = false;
  for (const rule of targetedRules(policy.index, input.upstream, input.tool.name)) {
    if (rule.risks !== undefined && !rule.risks.has(input.tool.risk.level)) continue;
    if (!rule.subjects.matches(input.identity)) continue;
    if (rule.effect !== 'deny') permitting = true;
    else if (rule.condition === undefined) return false;
  }
  return permitting;
}
