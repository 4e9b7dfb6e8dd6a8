import { gatehouseMetrics, McpAttributes, withSpan } from '@gatehouse/telemetry';
import type { Call } from './call';
import type { ApprovalGate, CallDecision, ToolCallContext } from './ports';
import { CallFailure, POLICY_DENIED_CODE, RpcError } from './rpc-error';

/**
 * Holds a call that policy sent for approval until a person decides, the client cancels it or
 * the approval times out; reports progress meanwhile when the client asked for it. Returns when
 * the call may run; throws a CallFailure otherwise.
 */
export class ApprovalStage {
  constructor(private readonly gate: ApprovalGate) {}

  async wait(call: Call, context: ToolCallContext, decision: CallDecision): Promise<void> {
    const meta = call.params['_meta'] as Record<string, unknown> | undefined;
    const progressToken = meta?.['progressToken'];
    const pending = gatehouseMetrics().approvalsPending;
    pending.add(1);
    const waited = await withSpan(
      'approval.wait',
      { [McpAttributes.UPSTREAM]: context.upstream.slug },
      async (span) => {
        const result = await this.gate.waitForApproval(context, decision, {
          signal: call.signal,
          onWaiting: (elapsedMs) => {
            if (typeof progressToken !== 'string' && typeof progressToken !== 'number') return;
            // The note lets another replica answer the client should this one die meanwhile.
            call.context.stream.send(
              {
                jsonrpc: '2.0',
                method: 'notifications/progress',
                params: {
                  progressToken,
                  progress: Math.round(elapsedMs / 1000),
                  message: `Waiting for approval (${decision.reason})`,
                },
              },
              call.approvalNote(),
            );
          },
        });
        span.setAttribute('gatehouse.approval.outcome', result.outcome);
        return result;
      },
    ).finally(() => pending.add(-1));
    call.approvalId = waited.approvalId;
    // The client gave up while waiting: it gets no answer, and a later approval runs nothing.
    if (call.cancelled) throw call.cancelledError('error');
    if (waited.outcome === 'approved') return;
    const timedOut = waited.outcome === 'timed_out';
    throw new CallFailure(
      new RpcError(
        POLICY_DENIED_CODE,
        timedOut
          ? 'Tool call needed approval and nobody decided in time; ask an approver, then call again'
          : `Tool call was denied by an approver${waited.comment ? `: ${waited.comment}` : ''}`,
        {
          code: timedOut ? 'approval_timed_out' : 'approval_denied',
          approvalId: waited.approvalId,
        },
      ),
      timedOut ? 'timed_out' : 'denied',
    );
  }
}
