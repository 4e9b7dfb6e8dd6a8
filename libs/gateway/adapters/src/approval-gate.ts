import { canonicalJson, sha256Hex } from './canonical-json';
import { BusChannels, type Bus } from '@gatehouse/bus';
import type { ApprovalRepository, InputJsonValue } from '@gatehouse/data-access';
import type { ApprovalGate, CallDecision, ToolCallContext } from '@gatehouse/gateway-core';

export interface ApprovalDecidedMessage {
  tenantId: string;
  approvalId: string;
}

/** Stable digest of arguments: object keys sorted, so equal arguments give equal digests. */
export function argumentsDigest(args: unknown): string {
  return sha256Hex(canonicalJson(args));
}

/**
 * Holds a call until a person decides. The approval record is created first (so approvers see
 * it); the decision arrives on the bus from whichever admin-api replica took it, with a slow
 * database poll as a safety net. An approved call is consumed (single use) before it runs.
 */
export class BusApprovalGate implements ApprovalGate {
  constructor(
    private readonly approvals: ApprovalRepository,
    private readonly bus: Bus,
    private readonly timeoutMs: number,
    private readonly progressEveryMs = 5_000,
    private readonly pollEveryMs = 2_000,
  ) {}

  async waitForApproval(
    context: ToolCallContext,
    decision: CallDecision,
    options: { signal: AbortSignal; onWaiting: (elapsedMs: number) => void },
  ): Promise<{
    approvalId: string;
    outcome: 'approved' | 'denied' | 'timed_out';
    comment?: string;
  }> {
    const tenantId = context.identity.tenantId;
    const started = Date.now();
    const approval = await this.approvals.create(tenantId, {
      personId: context.identity.personId,
      sessionId: context.session.id,
      upstreamSlug: context.upstream.slug,
      toolName: context.toolName,
      argumentsDigest: argumentsDigest(context.args),
      arguments: context.args as InputJsonValue,
      matchedRules: decision.matchedRules,
      policyVersion: decision.policyVersion,
      expiresAt: new Date(started + this.timeoutMs),
    });

    let wake: (() => void) | undefined;
    const unsubscribe = await this.bus.subscribe(BusChannels.approvalDecided, (message) => {
      const m = message as Partial<ApprovalDecidedMessage>;
      if (m.approvalId === approval.id) wake?.();
    });
    const progress = setInterval(
      () => options.onWaiting(Date.now() - started),
      this.progressEveryMs,
    );
    // One listener for the whole wait (one per poll piled up on a long-lived signal).
    const onAbort = () => wake?.();
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      options.onWaiting(0);
      for (;;) {
        const current = await this.approvals.get(tenantId, approval.id);
        if (current?.status === 'approved') {
          const consumed = await this.approvals.consume(tenantId, approval.id);
          if (consumed) return { approvalId: approval.id, outcome: 'approved' };
          return {
            approvalId: approval.id,
            outcome: 'denied',
            comment: 'the approval was already used',
          };
        }
        if (current?.status === 'denied') {
          const result: { approvalId: string; outcome: 'denied'; comment?: string } = {
            approvalId: approval.id,
            outcome: 'denied',
          };
          if (current.comment) result.comment = current.comment;
          return result;
        }
        const remaining = started + this.timeoutMs - Date.now();
        if (remaining <= 0 || !current || current.status !== 'pending') {
          await this.approvals.expireOverdue(tenantId);
          return { approvalId: approval.id, outcome: 'timed_out' };
        }
        if (options.signal.aborted) return { approvalId: approval.id, outcome: 'timed_out' };
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(this.pollEveryMs, remaining));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      clearInterval(progress);
      await unsubscribe();
    }
  }
}
