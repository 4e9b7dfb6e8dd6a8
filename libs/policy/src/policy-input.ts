import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRisk } from './tool-risk';

/** The authenticated caller, as the gateway resolved it from the token. */
export interface PolicyIdentity {
  readonly id: string;
  readonly email: string;
  readonly roles: readonly string[];
  /** Scopes of the token used for this request; they narrow what the policy allows. */
  readonly scopes: readonly string[];
  readonly tenant: string;
}

export interface PolicySession {
  readonly id: string;
  readonly clientName?: string | undefined;
  readonly clientVersion?: string | undefined;
}

export interface PolicyTool {
  /** The tool's name at its upstream (without the `<slug>__` prefix of the aggregated view). */
  readonly name: string;
  readonly annotations?: ToolAnnotations | undefined;
  readonly risk: ToolRisk;
}

export interface EvaluationInput {
  readonly identity: PolicyIdentity;
  readonly session: PolicySession;
  /** Upstream slug. */
  readonly upstream: string;
  readonly tool: PolicyTool;
  /** The call's arguments as received (JSON); anything but an object is seen as `{}` by CEL. */
  readonly args: unknown;
  readonly now: Date;
}
