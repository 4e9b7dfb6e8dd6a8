import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import { Call } from './call';
import type { CallContext } from './call-context';
import type { CallPath } from './call-path';
import type { CallRecorder } from './call-recorder';
import type { InflightRegistry } from './inflight';
import { CallFailure, RpcError } from './rpc-error';
import type { ServerRequestRoute } from './server-requests';
import type { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import type { SessionStore } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import type { Bus } from '@gatehouse/bus';
import { targetOf } from './upstream-sessions';

export const CANCEL_CHANNEL = 'mcp:request-cancelled';

type Params = Record<string, unknown>;

/**
 * Handles the messages of an initialized session: each request becomes a Call that runs the
 * request path (CallPath) and is completed once; notifications and client responses are routed.
 */
export class SessionDispatcher {
  constructor(
    private readonly path: CallPath,
    private readonly inflight: InflightRegistry,
    private readonly recorder: CallRecorder,
    private readonly client: UpstreamClient,
    private readonly sessions: SessionStore,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  async request(
    ctx: CallContext,
    request: JSONRPCRequest,
  ): Promise<JSONRPCResultResponse | JSONRPCErrorResponse> {
    const call = new Call(ctx, request, this.inflight, this.recorder);
    try {
      const result = await this.path.run(call);
      call.complete({ result });
      return { jsonrpc: '2.0', id: request.id, result };
    } catch (error) {
      const rpc = error instanceof RpcError ? error : this.internalError(request.method, error);
      call.complete({
        error: rpc,
        outcome: error instanceof CallFailure ? error.outcome : 'error',
      });
      const body: JSONRPCErrorResponse['error'] = { code: rpc.rpcCode, message: rpc.message };
      if (rpc.data !== undefined) body.data = rpc.data;
      return { jsonrpc: '2.0', id: request.id, error: body };
    }
  }

  /**
   * A failure no stage turned into an RpcError is a gateway fault (a bug, a store that failed
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
}
