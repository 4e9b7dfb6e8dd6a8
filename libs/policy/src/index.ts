export {
  validateCondition,
  type ConditionPosition,
  type ConditionValidation,
} from './cel-condition';
export { CONDITION_VARIABLES } from './cel-environment';
export type { MatchedRule } from './compiled-rule';
export { couldEverAllow, type ListingInput } from './could-ever-allow';
export { compilePolicy, type CompiledPolicy } from './policy-compiler';
export { PolicyError, type PolicyErrorCode } from './policy-error';
export { evaluatePolicy, type Decision } from './policy-evaluator';
export { policyRowToRule, type PolicyRow } from './policy-row';
export type { EvaluationInput, PolicyIdentity, PolicySession, PolicyTool } from './policy-input';
export {
  POLICY_EFFECTS,
  PolicyEffectSchema,
  PolicyRuleSchema,
  PolicyTargetsSchema,
  ROLES,
  RoleSchema,
  SubjectSchema,
  type PolicyEffect,
  type PolicyRule,
  type PolicyRuleInput,
  type PolicyTargets,
  type Role,
} from './policy-rule.schema';
export { CALL_SCOPE, scopesPermit } from './token-scopes';
export {
  RISK_LEVELS,
  RiskLevelSchema,
  deriveToolRisk,
  type RiskLevel,
  type ToolRisk,
  type ToolRiskInput,
} from './tool-risk';
export {
  LIMIT_DIMENSIONS,
  LimitRuleSchema,
  LimitsDocumentSchema,
  NO_LIMITS,
  type LimitDimension,
  type LimitRule,
  type LimitsDocument,
  type LimitsDocumentInput,
} from './limits/limits.schema';
export {
  LimitPlan,
  quotaKey,
  quotaPeriod,
  type LimitCheck,
  type LimitedCall,
  type LimitScope,
} from './limits/limit-plan';
