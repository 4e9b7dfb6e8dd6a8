import type { Approval } from '@gatehouse/data-access';

/** An approval as approvers see it: the exact arguments are what they decide on. */
export interface ApprovalView {
  id: string;
  tenantId: string;
  personId: string;
  sessionId: string;
  upstream: string;
  tool: string;
  arguments: unknown;
  argumentsDigest: string;
  matchedRules: string[];
  policyVersion: number;
  status: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
}

export function approvalView(approval: Approval): ApprovalView {
  return {
    id: approval.id,
    tenantId: approval.tenantId,
    personId: approval.personId,
    sessionId: approval.sessionId,
    upstream: approval.upstreamSlug,
    tool: approval.toolName,
    arguments: approval.arguments,
    argumentsDigest: approval.argumentsDigest,
    matchedRules: approval.matchedRules,
    policyVersion: approval.policyVersion,
    status: approval.status,
    requestedAt: approval.requestedAt.toISOString(),
    expiresAt: approval.expiresAt.toISOString(),
    decidedBy: approval.decidedBy,
    decidedAt: approval.decidedAt?.toISOString() ?? null,
    comment: approval.comment,
  };
}
