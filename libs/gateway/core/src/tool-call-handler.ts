import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { gatehouseMetrics, McpAttributes, withSpan } from '@gatehouse/telemetry';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext } from './call-context';
import type { InflightRegistry } from './inflight';
import type { ApprovalGate, CallDecision, ToolAccess, ToolCallContext } from './ports';
import type { Relay } from './relay';
import { RpcError } from './rpc-error';
import type { TargetResolver } from './target-resolver';
import type { ToolCatalog } from './tool-catalog';

/** JSON-RPC code for a call refused by policy (implementation-defined server error range). */
export const POLICY_DENIED_CODE = -32003;

export interface ToolCallOutcome {
  result: Record<string, unknown>;
  upstream: string;
  tool: string;
  decision: CallDecision;
  approvalId?: string;
}

/** Carries what the audit trail needs about a tool call that did not complete. */
export class ToolCallFailure extends RpcError {
  constructor(
    cause: RpcError,
    readonly upstream: string | undefined,
    readonly tool: string | undefined,
    readonly decision: CallDecision | undefined,
    readonly approvalId: string | undefined,
    readonly outcome: 'denied' | 'timed_out' | 'upstream_error' | 'error',
  ) {
    super(cause.rpcCode, cause.message, cause.data);
  }
}

/**
 * tools/call, top to bottom: resolve the target → look up the tool definition → decide by
 * policy → (wait for approval) → relay. A denied call never reaches the upstream.
 */
export class ToolCallHandler {
  constructor(
    private readonly resolver: TargetResolver,
    private readonly relay: Relay,
    private readonly catalog: ToolCatalog,
    private readonly toolAccess: ToolAccess,
    private readonly approvals: ApprovalGate,
    private readonly inflight: InflightRegistry,
  ) {}

  async call(ctx: CallContext, params: Record<string, unknown>): Promise<ToolCallOutcome> {
    const { upstream, name } = await this.resolver.byName(ctx, params['name'], 'tool');
    const rawArgs = params['arguments'] ?? {};
    if (typeof rawArgs !== 'object' || rawArgs === null || Array.isArray(rawArgs)) {
      throw new RpcError(
        JSON_RPC_ERROR_CODES.INVALID_PARAMS,
        'Invalid params: "arguments" must be an object',
      );
    }
    const tool = await this.toolDefinition(ctx, upstream, name);
    const toolContext: ToolCallContext = {
      identity: ctx.identity,
      session: ctx.session,
      upstream,
      tool,
      toolName: name,
      args: rawArgs as Record<string, unknown>,
    };
    const decision = await this.decide(toolContext);
    const fail = (error: RpcError, outcome: ToolCallFailure['outcome'], approvalId?: string) =>
      new ToolCallFailure(error, upstream.slug, name, decision, approvalId, outcome);

    let approvalId: string | undefined;
    if (decision.effect === 'deny') {
      throw fail(
        new RpcError(POLICY_DENIED_CODE, `Tool call denied by policy: ${decision.reason}`, {
          code: 'policy_denied',
          reason: decision.reason,
          matchedRules: decision.matchedRules,
        }),
        'denied',
      );
    }
    if (decision.effect === 'require_approval') {
      const cancelled = new AbortController();
      const unregister =
        ctx.requestId === undefined
          ? () => undefined
          : this.inflight.add(ctx.session.id, ctx.requestId, {
              cancel: async () => cancelled.abort(),
            });
      const waited = await this.waitForApproval(
        { ...ctx, signal: AbortSignal.any([ctx.signal, cancelled.signal]) },
        toolContext,
        decision,
        params,
      ).finally(unregister);
      approvalId = waited.approvalId;
      if (cancelled.signal.aborted) {
        // As for a relayed call: the client gave up on this request, it gets no answer.
        ctx.stream.end();
        if (ctx.requestId !== undefined) ctx.stream.forget(ctx.requestId);
        throw fail(
          new RpcError(JSON_RPC_ERROR_CODES.REQUEST_TIMEOUT, 'Request cancelled by the client'),
          'error',
          approvalId,
        );
      }
      if (waited.outcome !== 'approved') {
        const timedOut = waited.outcome === 'timed_out';
        throw fail(
          new RpcError(
            POLICY_DENIED_CODE,
            timedOut
              ? 'Tool call needed approval and nobody decided in time; ask an approver, then call again'
              : `Tool call was denied by an approver${waited.comment ? `: ${waited.comment}` : ''}`,
            { code: timedOut ? 'approval_timed_out' : 'approval_denied', approvalId },
          ),
          timedOut ? 'timed_out' : 'denied',
          approvalId,
        );
      }
    }

    try {
      const result = await this.relay.call(
        {
          session: ctx.session,
          upstream,
          clientRequestId: ctx.requestId,
          stream: ctx.stream,
          signal: ctx.signal,
          headers: ctx.propagate,
          decision: { effect: decision.effect, matchedRules: decision.matchedRules },
        },
        'tools/call',
        { ...params, name },
      );
      const outcome: ToolCallOutcome = { result, upstream: upstream.slug, tool: name, decision };
      if (approvalId) outcome.approvalId = approvalId;
      return outcome;
    } catch (error) {
      const rpc =
        error instanceof RpcError
          ? error
          : new RpcError(JSON_RPC_ERROR_CODES.INTERNAL_ERROR, String(error));
      throw fail(rpc, 'upstream_error', approvalId);
    }
  }

  private decide(toolContext: ToolCallContext): Promise<CallDecision> {
    const target = {
      [McpAttributes.UPSTREAM]: toolContext.upstream.slug,
      [McpAttributes.TOOL_NAME]: toolContext.toolName,
    };
    return withSpan('policy.evaluate', target, async (span) => {
      const decision = await this.toolAccess.decide(toolContext);
      span.setAttributes({
        [McpAttributes.POLICY_DECISION]: decision.effect,
        [McpAttributes.POLICY_MATCHED_RULES]: decision.matchedRules,
      });
      return decision;
    });
  }

  private async toolDefinition(
    ctx: CallContext,
    upstream: CallContext['upstreams'][number],
    name: string,
  ): Promise<Tool | undefined> {
    const cached = this.catalog.lookup(ctx.session.tenantId, upstream.slug, name);
    if (cached !== 'stale') return cached;
    // Policy needs annotations: list the upstream's tools once (all pages) to learn them.
    let cursor: string | undefined;
    let first = true;
    for (let page = 0; page < 50; page++) {
      const result = await this.relay.call(
        { session: ctx.session, upstream, signal: ctx.signal, headers: ctx.propagate },
        'tools/list',
        cursor ? { cursor } : {},
      );
      const tools = Array.isArray(result['tools']) ? (result['tools'] as Tool[]) : [];
      this.catalog.remember(ctx.session.tenantId, upstream.slug, tools, first);
      first = false;
      cursor = typeof result['nextCursor'] === 'string' ? result['nextCursor'] : undefined;
      if (!cursor) break;
    }
    const found = this.catalog.lookup(ctx.session.tenantId, upstream.slug, name);
    return found === 'stale' ? undefined : found;
  }

  private async waitForApproval(
    ctx: CallContext,
    toolContext: ToolCallContext,
    decision: CallDecision,
    params: Record<string, unknown>,
  ) {
    const meta = params['_meta'] as Record<string, unknown> | undefined;
    const progressToken = meta?.['progressToken'];
    const pending = gatehouseMetrics().approvalsPending;
    pending.add(1);
    return withSpan(
      'approval.wait',
      { [McpAttributes.UPSTREAM]: toolContext.upstream.slug },
      async (span) => {
        const waited = await this.approvals.waitForApproval(toolContext, decision, {
          signal: ctx.signal,
          onWaiting: (elapsedMs) => {
            if (typeof progressToken !== 'string' && typeof progressToken !== 'number') return;
            // The note lets another replica answer the client should this one die meanwhile.
            const note =
              ctx.requestId === undefined
                ? undefined
                : {
                    clientRequestId: ctx.requestId,
                    kind: 'approval',
                    method: 'tools/call',
                    tool: toolContext.toolName,
                    slug: toolContext.upstream.slug,
                    decision: { effect: decision.effect, matchedRules: decision.matchedRules },
                  };
            ctx.stream.send(
              {
                jsonrpc: '2.0',
                method: 'notifications/progress',
                params: {
                  progressToken,
                  progress: Math.round(elapsedMs / 1000),
                  message: `Waiting for approval (${decision.reason})`,
                },
              },
              note,
            );
          },
        });
        span.setAttribute('gatehouse.approval.outcome', waited.outcome);
        return waited;
      },
    ).finally(() => pending.add(-1));
  }
}
