import { randomUUID } from 'node:crypto';
import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { isUpstreamError, type UpstreamClient } from '@gatehouse/mcp-upstream-client';
import type { SessionWithUpstreams } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import type {
  JSONRPCMessage,
  JSONRPCResponse,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { authOf } from '../auth-of';
import { GatewayHttpError } from '../gateway-error';
import { header, type McpHttpResponse } from '../http-types';
import type {
  ApprovalGate,
  AuditOutcome,
  AuditSink,
  CallDecision,
  ToolAccess,
  ToolCallContext,
} from '../ports';
import { POLICY_DENIED_CODE, toRpcError } from '../rpc-error';
import { targetOf } from '../upstream-sessions';
import { EventChannel } from './event-channel';
import { errorBody, unknownUpstream, type ModernRequestContext } from './modern-request';
import type { ModernTools } from './modern-tools';
import type { ModernUpstreams, ServableUpstream } from './modern-upstreams';

type Stamp = (result: Record<string, unknown>) => Record<string, unknown>;

/**
 * tools/call for a modern client: resolve → decide → (hold for approval) → relay → audit, all
 * within the one HTTP exchange. The answer is an SSE stream (progress, then the result); the
 * client closing it cancels the call upstream (the fetch to a modern upstream is aborted).
 */
export class ModernCall {
  constructor(
    private readonly upstreams: ModernUpstreams,
    private readonly tools: ModernTools,
    private readonly client: UpstreamClient,
    private readonly toolAccess: ToolAccess,
    private readonly approvals: ApprovalGate,
    private readonly audit: AuditSink,
    private readonly logger: Logger,
  ) {}

  async call(ctx: ModernRequestContext, stamp: Stamp): Promise<McpHttpResponse> {
    const { identity, message } = ctx;
    const params = (message.params ?? {}) as Record<string, unknown>;
    const name = String(params['name']);
    const args = (params['arguments'] ?? {}) as Record<string, unknown>;
    if (!(await this.audit.acceptsCalls(identity.tenantId))) {
      throw new GatewayHttpError(
        'service_unavailable',
        'Service Unavailable: the audit trail cannot record tool calls right now, so none are run; retry shortly',
      );
    }
    const reachable = await this.upstreams.reachable(identity, ctx.req.upstreamSlug);
    if (!ctx.prefixed && reachable.length === 0) throw unknownUpstream(ctx.req.upstreamSlug);
    const { servable } = await this.upstreams.servable(reachable, ctx.envelope, ctx.req.signal);
    const io = { signal: ctx.req.signal, headers: ctx.propagate };
    const resolved = await this.tools.resolve(identity, servable, name, ctx.prefixed, message, io);
    if (!resolved) {
      return fail(message.id, JSON_RPC_ERROR_CODES.INVALID_PARAMS, `Unknown tool: ${name}`);
    }

    const started = performance.now();
    const { target, toolName, tool } = resolved;
    const session = requestScopedSession(ctx, target);
    const toolContext: ToolCallContext = {
      identity,
      session,
      upstream: target.upstream,
      tool,
      toolName,
      args,
    };
    const decision = await this.toolAccess.decide(toolContext);
    const audit = (outcome: AuditOutcome, extra: { approvalId?: string; errorCode?: number }) =>
      this.audit
        .record({
          tenantId: identity.tenantId,
          personId: identity.personId,
          tokenId: identity.tokenId,
          ...authOf(identity),
          sessionId: null,
          clientName: ctx.envelope.clientInfo.name,
          clientVersion: ctx.envelope.clientInfo.version,
          method: 'tools/call',
          upstream: target.upstream.slug,
          tool: toolName,
          decision: decision.effect,
          matchedRules: decision.matchedRules,
          outcome,
          latencyMs: Math.round(performance.now() - started),
          arguments: args,
          clientAddress: ctx.req.clientAddress,
          ...(header(ctx.req.headers, 'user-agent') !== undefined
            ? { userAgent: header(ctx.req.headers, 'user-agent') }
            : {}),
          ...extra,
        })
        .catch((error: unknown) => this.logger.error({ err: error }, 'audit event lost'));

    if (decision.effect === 'deny') {
      await audit('denied', { errorCode: POLICY_DENIED_CODE });
      return denied(message.id, `Tool call denied by policy: ${decision.reason}`, decision);
    }

    const channel = new EventChannel();
    const run = async (): Promise<JSONRPCResponse> => {
      let approvalId: string | undefined;
      if (decision.effect === 'require_approval') {
        const waited = await this.approvals.waitForApproval(toolContext, decision, {
          signal: ctx.req.signal,
          onWaiting: () => undefined,
        });
        approvalId = waited.approvalId;
        if (waited.outcome !== 'approved') {
          const timedOut = waited.outcome === 'timed_out';
          await audit(timedOut ? 'timed_out' : 'denied', {
            approvalId,
            errorCode: POLICY_DENIED_CODE,
          });
          return errorBody(
            message.id,
            POLICY_DENIED_CODE,
            timedOut
              ? 'Tool call needed approval and nobody decided in time; ask an approver, then call again'
              : `Tool call was denied by an approver${waited.comment ? `: ${waited.comment}` : ''}`,
            { code: timedOut ? 'approval_timed_out' : 'approval_denied', approvalId },
          ) as JSONRPCResponse;
        }
      }
      const ids = approvalId ? { approvalId } : {};
      try {
        const response = await this.client.request(
          targetOf(target.upstream),
          target.state,
          { ...message, params: { ...params, name: toolName } },
          {
            signal: ctx.req.signal,
            headers: { ...ctx.propagate, ...this.tools.paramHeaders(tool, args) },
            onMessage: (upstreamMessage: JSONRPCMessage) => {
              if ('method' in upstreamMessage && !('id' in upstreamMessage))
                channel.push(upstreamMessage);
            },
          },
        );
        if ('error' in response) {
          await audit('upstream_error', { ...ids, errorCode: response.error.code });
          return response;
        }
        await audit('ok', ids);
        return { ...response, result: stamp(response.result) } as JSONRPCResponse;
      } catch (error) {
        const cancelled = isUpstreamError(error, 'upstream_cancelled');
        const rpc = toRpcError(error, target.upstream.slug);
        await audit(cancelled ? 'cancelled' : 'upstream_error', { ...ids, errorCode: rpc.rpcCode });
        return errorBody(message.id, rpc.rpcCode, rpc.message, rpc.data) as JSONRPCResponse;
      }
    };
    void run().then(
      (final) => channel.end(final),
      (error: unknown) =>
        channel.end(
          errorBody(
            message.id,
            JSON_RPC_ERROR_CODES.INTERNAL_ERROR,
            error instanceof Error ? error.message : String(error),
          ) as JSONRPCResponse,
        ),
    );
    return { status: 200, headers: {}, stream: channel };
  }
}

/**
 * Policy and approvals are written against a session; a modern request has none, so they get a
 * value scoped to this one request (never stored) carrying the caller's declared identity.
 */
function requestScopedSession(
  ctx: ModernRequestContext,
  target: ServableUpstream,
): SessionWithUpstreams {
  const now = Date.now();
  return {
    id: `request-${randomUUID()}`,
    tenantId: ctx.identity.tenantId,
    personId: ctx.identity.personId,
    tokenId: ctx.identity.tokenId,
    protocolVersion: ctx.envelope.protocolVersion,
    clientInfo: ctx.envelope.clientInfo,
    clientCapabilities: ctx.envelope.clientCapabilities,
    route: ctx.prefixed ? { kind: 'aggregate' } : { kind: 'upstream', slug: target.upstream.slug },
    createdAt: now,
    lastSeenAt: now,
    initialized: true,
    upstreams: { [target.upstream.slug]: target.state },
  };
}

function fail(id: RequestId, code: number, message: string): McpHttpResponse {
  return { status: 200, headers: {}, body: errorBody(id, code, message) };
}

function denied(id: RequestId, message: string, decision: CallDecision): McpHttpResponse {
  return {
    status: 200,
    headers: {},
    body: errorBody(id, POLICY_DENIED_CODE, message, {
      code: 'policy_denied',
      reason: decision.reason,
      matchedRules: decision.matchedRules,
    }),
  };
}
