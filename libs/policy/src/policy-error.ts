export type PolicyErrorCode = 'invalid_rule' | 'invalid_condition';

/** A policy that cannot be compiled; `ruleId` names the offending rule. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';

  constructor(
    readonly code: PolicyErrorCode,
    readonly ruleId: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}
