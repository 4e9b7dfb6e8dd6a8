import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallContext } from './call-context';
import type { ListHandler } from './list-handler';
import type { AuditSink, GatewayAuditEvent, ToolAccess, UpstreamConfig } from './ports';
import type { Relay } from './relay';
import { RpcError } from './rpc-error';
import type { ServerRequestRoute } from './server-requests';
import type { TargetResolver } from './target-resolver';
import { POLICY_DENIED_CODE, ToolCallFailure, type ToolCallHandler } from './tool-call-handler';
import type { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import type { SessionStore } from '@gatehouse/session-store';
import {
  annotateActiveSpan,
  gatehouseMetrics,
  McpAttributes,
  type Logger,
} from '@gatehouse/telemetry';
import type { Bus } from '@gatehouse/bus';
import { targetOf } from './upstream-sessions';

export const CANCEL_CHANNEL = 'mcp:request-cancelled';

type Params = Record<string, unknown>;

/** Handles the messages of an initialized session: requests, notifications, client responses. */
export class SessionDispatcher {
  constructor(
    private readonly relay: Relay,
    private readonly lists: ListHandler,
    private readonly toolCalls: ToolCallHandler,
    private readonly resolver: TargetResolver,
    private readonly toolAccess: ToolAccess,
    private readonly client: UpstreamClient,
    private readonly sessions: SessionStore,
    private readonly audit: AuditSink,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  async request(
    ctx: CallContext,
    request: JSONRPCRequest,
  ): Promise<JSONRPCResultResponse | JSONRPCErrorResponse> {
    const started = performance.now();
    const params = (request.params ?? {}) as Params;
    const event: Partial<GatewayAuditEvent> = {};
    try {
      const result = await this.route(
        { ...ctx, requestId: request.id },
        request.method,
        params,
        event,
      );
      this.record(ctx, request.method, started, { ...event, outcome: 'ok' });
      return { jsonrpc: '2.0', id: request.id, result };
    } catch (error) {
      const rpc = error instanceof RpcError ? error : this.internalError(request.method, error);
      if (error instanceof ToolCallFailure) {
        Object.assign(event, {
          upstream: error.upstream,
          tool: error.tool,
          decision: error.decision?.effect,
          matchedRules: error.decision?.matchedRules,
          approvalId: error.approvalId,
        });
      }
      const outcome = error instanceof ToolCallFailure ? error.outcome : 'error';
      this.record(ctx, request.method, started, { ...event, outcome, errorCode: rpc.rpcCode });
      const body: JSONRPCErrorResponse['error'] = { code: rpc.rpcCode, message: rpc.message };
      if (rpc.data !== undefined) body.data = rpc.data;
      return { jsonrpc: '2.0', id: request.id, error: body };
    }
  }

  /**
   * A failure no step turned into an RpcError is a gateway fault (a bug, a store that failed
   * while loading configuration): logged in full, answered without internal details.
   */
  private internalError(method: string, error: unknown): RpcError {
    this.logger.error({ err: error, method }, 'unexpected failure while handling a request');
    return new RpcError(
      JSON_RPC_ERROR_CODES.INTERNAL_ERROR,
      'Internal error: the gateway failed while handling this request (logged); retry later',
      { code: 'internal_error' },
    );
  }

  private async route(
    ctx: CallContext,
    method: string,
    params: Params,
    event: Partial<GatewayAuditEvent>,
  ): Promise<Params> {
    const relayTo = (upstream: UpstreamConfig, forwarded: Params = params) => {
      event.upstream = upstream.slug;
      return this.relay.call(
        {
          session: ctx.session,
          upstream,
          clientRequestId: ctx.requestId,
          stream: ctx.stream,
          signal: ctx.signal,
          headers: ctx.propagate,
        },
        method,
        forwarded,
      );
    };
    switch (method) {
      case 'ping':
        return {};
      case 'initialize':
        throw new RpcError(
          JSON_RPC_ERROR_CODES.INVALID_REQUEST,
          'Invalid Request: the session is already initialized',
        );
      case 'tools/list':
      case 'prompts/list':
      case 'resources/list':
      case 'resources/templates/list':
        return this.lists.list(ctx, method, params);
      case 'tools/call': {
        // The audit trail keeps the arguments of every call, whatever its outcome.
        event.arguments = params['arguments'];
        const outcome = await this.toolCalls.call(ctx, params);
        Object.assign(event, {
          upstream: outcome.upstream,
          tool: outcome.tool,
          decision: outcome.decision.effect,
          matchedRules: outcome.decision.matchedRules,
          approvalId: outcome.approvalId,
        });
        return outcome.result;
      }
      case 'prompts/get': {
        const { upstream, name } = await this.resolver.byName(ctx, params['name'], 'prompt');
        const args = (params['arguments'] ?? {}) as Record<string, unknown>;
        const decision = await this.toolAccess.decidePrompt({
          identity: ctx.identity,
          session: ctx.session,
          upstream,
          toolName: name,
          args,
        });
        Object.assign(event, {
          upstream: upstream.slug,
          tool: name,
          decision: decision.effect,
          matchedRules: decision.matchedRules,
        });
        if (decision.effect === 'deny') {
          throw new ToolCallFailure(
            new RpcError(POLICY_DENIED_CODE, `Prompt denied by policy: ${decision.reason}`, {
              code: 'policy_denied',
              reason: decision.reason,
              matchedRules: decision.matchedRules,
            }),
            upstream.slug,
            name,
            decision,
            undefined,
            'denied',
          );
        }
        return relayTo(upstream, { ...params, name });
      }
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return relayTo(await this.resolver.byUri(ctx, params['uri']));
      case 'completion/complete':
        return this.complete(ctx, params, relayTo);
      case 'logging/setLevel':
        await Promise.all(
          ctx.upstreams
            .filter((u) => ctx.session.upstreams[u.slug]?.capabilities.logging)
            .map((u) => relayTo(u).catch((error: unknown) => this.upstreamProblem(u.slug, error))),
        );
        return {};
      default:
        if (ctx.session.route.kind === 'upstream' && ctx.upstreams[0])
          return relayTo(ctx.upstreams[0]);
        throw new RpcError(JSON_RPC_ERROR_CODES.METHOD_NOT_FOUND, `Method not found: ${method}`);
    }
  }

  private async complete(
    ctx: CallContext,
    params: Params,
    relayTo: (u: UpstreamConfig, p?: Params) => Promise<Params>,
  ) {
    const ref = (params['ref'] ?? {}) as Params;
    if (ref['type'] === 'ref/prompt') {
      const { upstream, name } = await this.resolver.byName(ctx, ref['name'], 'prompt');
      return relayTo(upstream, { ...params, ref: { ...ref, name } });
    }
    if (ref['type'] === 'ref/resource') return relayTo(await this.resolver.byUri(ctx, ref['uri']));
    throw new RpcError(
      JSON_RPC_ERROR_CODES.INVALID_PARAMS,
      'Invalid params: ref.type must be ref/prompt or ref/resource',
    );
  }

  async notification(ctx: CallContext, notification: JSONRPCNotification): Promise<void> {
    const params = (notification.params ?? {}) as Params;
    switch (notification.method) {
      case 'notifications/initialized':
        await this.sessions.markInitialized(ctx.session.id);
        return;
      case 'notifications/cancelled': {
        const requestId = params['requestId'];
        if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
        const reason =
          typeof params['reason'] === 'string' ? params['reason'] : 'cancelled by the client';
        // The call may be held by another replica: tell them all.
        await this.bus.publish(CANCEL_CHANNEL, { sessionId: ctx.session.id, requestId, reason });
        return;
      }
      case 'notifications/roots/list_changed':
        await this.broadcast(ctx, notification);
        return;
      default:
        // Other client notifications (progress of sampling, etc.) have no routable target.
        return;
    }
  }

  /** A client's answer to a request an upstream made (sampling, elicitation, roots). */
  async clientResponse(ctx: CallContext, message: JSONRPCMessage): Promise<void> {
    if (!('id' in message) || message.id === undefined || 'method' in message) return;
    const stored = await this.sessions.takeValue(
      ctx.session.id,
      'server-requests',
      String(message.id),
    );
    if (!stored) {
      this.logger.warn(
        { sessionId: ctx.session.id, id: message.id },
        'response to an unknown or already answered server request',
      );
      return;
    }
    const route = JSON.parse(stored) as ServerRequestRoute;
    const upstream = ctx.upstreams.find((u) => u.slug === route.slug);
    const state = ctx.session.upstreams[route.slug];
    if (!upstream || !state) return;
    const forwarded = { ...message, id: route.upstreamRequestId } as
      JSONRPCResultResponse | JSONRPCErrorResponse;
    await this.client
      .sendResponse(targetOf(upstream), state, forwarded)
      .catch((error: unknown) => this.upstreamProblem(route.slug, error));
  }

  private async broadcast(ctx: CallContext, notification: JSONRPCNotification): Promise<void> {
    await Promise.all(
      ctx.upstreams.map(async (upstream) => {
        const state = ctx.session.upstreams[upstream.slug];
        if (!state) return;
        await this.client
          .notify(targetOf(upstream), state, notification)
          .catch((error: unknown) => this.upstreamProblem(upstream.slug, error));
      }),
    );
  }

  private upstreamProblem(slug: string, error: unknown): void {
    this.logger.warn({ upstream: slug, err: error }, 'upstream problem');
  }

  private record(
    ctx: CallContext,
    method: string,
    started: number,
    event: Partial<GatewayAuditEvent> & Pick<GatewayAuditEvent, 'outcome'>,
  ): void {
    if (method === 'ping') return;
    const full: GatewayAuditEvent = {
      tenantId: ctx.session.tenantId,
      personId: ctx.session.personId,
      tokenId: ctx.identity.tokenId,
      sessionId: ctx.session.id,
      clientName: ctx.session.clientInfo.name,
      clientVersion: ctx.session.clientInfo.version,
      method,
      latencyMs: Math.round(performance.now() - started),
      clientAddress: ctx.clientAddress,
      ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}),
      ...event,
    };
    this.audit
      .record(full)
      .catch((error: unknown) => this.logger.error({ err: error, method }, 'audit event lost'));
    this.observe(full);
  }

  /** The audit event's facts, as span attributes, metrics and a debug line. */
  private observe(event: GatewayAuditEvent): void {
    const labels = {
      [McpAttributes.METHOD_NAME]: event.method,
      [McpAttributes.UPSTREAM]: event.upstream ?? '',
      [McpAttributes.POLICY_DECISION]: event.decision ?? '',
      [McpAttributes.OUTCOME]: event.outcome,
    };
    const metrics = gatehouseMetrics();
    metrics.requests.add(1, labels);
    metrics.requestDuration.record(event.latencyMs / 1000, labels);
    annotateActiveSpan(
      {
        ...labels,
        ...(event.matchedRules?.length
          ? { [McpAttributes.POLICY_MATCHED_RULES]: event.matchedRules }
          : {}),
      },
      event.outcome === 'ok' ? undefined : String(event.errorCode ?? event.outcome),
    );
    this.logger.debug(
      {
        sessionId: event.sessionId,
        method: event.method,
        upstream: event.upstream,
        tool: event.tool,
        decision: event.decision,
        outcome: event.outcome,
        latencyMs: event.latencyMs,
      },
      'mcp request',
    );
  }
}
