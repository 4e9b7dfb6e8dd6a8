import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { UpstreamError, type UpstreamSession } from '@gatehouse/mcp-upstream-client';
import type { SessionWithUpstreams } from '@gatehouse/session-store';
import {
  describeMcpRequest,
  gatehouseMetrics,
  injectTraceHeaders,
  injectTraceMeta,
  McpAttributes,
  SpanKind,
  upstreamServerAttributes,
  withSpan,
} from '@gatehouse/telemetry';
import type {
  JSONRPCMessage,
  JSONRPCRequest,
  ProgressToken,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { CallCancelled, newGatewayId, RpcError, toRpcError } from './rpc-error';
import type { ServerRequestRelay } from './server-requests';
import type { CallDecision, UpstreamConfig } from './ports';
import type { InflightNote } from './inflight-record';
import type { ResponseStream } from './response-stream';
import { credentialRequiredError } from './upstream-credential-check';
import type { UpstreamSessions } from './upstream-sessions';

export interface RelayContext {
  session: SessionWithUpstreams;
  upstream: UpstreamConfig;
  /** Client's request id, to map its messages; absent for requests the gateway makes itself. */
  clientRequestId?: RequestId;
  stream?: ResponseStream;
  /** The call's signal: aborted (reason CallCancelled) when the client cancels it. */
  signal: AbortSignal;
  headers?: Record<string, string>;
  /** The policy decision behind the call, kept with its in-flight entry for a taker's audit. */
  decision?: { effect: CallDecision['effect']; matchedRules: string[] };
}

/**
 * Sends one request to one upstream on behalf of the client and returns the result. Ids and
 * progress tokens are remapped per hop; everything the upstream sends before its response is
 * passed to the client's stream as it arrives (progress, logs, its own requests to the client).
 */
export class Relay {
  constructor(
    private readonly upstreamSessions: UpstreamSessions,
    private readonly serverRequests: ServerRequestRelay,
  ) {}

  async call(
    ctx: RelayContext,
    method: string,
    params: JSONRPCRequest['params'],
  ): Promise<Record<string, unknown>> {
    // Without the caller's own credential nothing is sent (every method, not only tools/call).
    const noCredential = credentialRequiredError(ctx.upstream);
    if (noCredential) throw noCredential;
    const upstreamRequestId = newGatewayId('r');
    const {
      params: outgoing,
      clientProgressToken,
      gatewayProgressToken,
    } = remapProgressToken(params);
    const request: JSONRPCRequest = { jsonrpc: '2.0', id: upstreamRequestId, method };
    if (outgoing !== undefined) request.params = outgoing;

    let currentState: UpstreamSession | undefined;
    let upstreamEventId: string | undefined;

    try {
      const options: Parameters<UpstreamSessions['request']>[3] = {
        // Aborted by the client's cancellation: the upstream client then cancels upstream too.
        signal: ctx.signal,
        onSession: (state) => {
          currentState = state;
        },
        onMessage: async (message: JSONRPCMessage, eventId?: string) => {
          upstreamEventId = eventId ?? upstreamEventId;
          await this.forward(ctx, message, {
            method,
            tool: typeof params?.['name'] === 'string' ? params['name'] : undefined,
            upstreamRequestId,
            clientProgressToken,
            gatewayProgressToken,
            state: currentState,
            upstreamEventId,
          });
          // The upstream waits while the client's event log falls behind (bounded memory).
          const behind = ctx.stream?.caughtUp();
          if (behind) await behind;
        },
      };
      const response = await this.tracedRequest(ctx, request, options);
      if ('error' in response) {
        throw new RpcError(response.error.code, response.error.message, response.error.data);
      }
      return response.result;
    } catch (error) {
      if (ctx.signal.reason instanceof CallCancelled)
        throw new RpcError(JSON_RPC_ERROR_CODES.REQUEST_TIMEOUT, 'Request cancelled by the client');
      throw toRpcError(error, ctx.upstream.slug);
    }
  }

  /**
   * The upstream hop as a CLIENT span, which is also the hop's HTTP client span: its context goes
   * out in the HTTP headers and in `params._meta`, and undici adds no span of its own.
   */
  private tracedRequest(
    ctx: RelayContext,
    request: JSONRPCRequest,
    options: Parameters<UpstreamSessions['request']>[3],
  ) {
    const { spanName, attributes } = describeMcpRequest(request.method, request.id, request.params);
    const upstream = ctx.upstream.slug;
    return withSpan(
      spanName,
      {
        ...attributes,
        ...upstreamServerAttributes(ctx.upstream.url),
        [McpAttributes.UPSTREAM]: upstream,
      },
      async (span) => {
        options.headers = injectTraceHeaders({ ...ctx.headers });
        const started = performance.now();
        let errorType: string | undefined;
        try {
          const response = await this.upstreamSessions.request(
            ctx.session,
            ctx.upstream,
            withTraceMeta(request),
            options,
          );
          if ('error' in response) {
            errorType = String(response.error.code);
            span.setAttribute(McpAttributes.ERROR_TYPE, errorType);
            countUpstreamError(upstream, errorType);
          }
          return response;
        } catch (error) {
          errorType = error instanceof UpstreamError ? error.code : 'error';
          countUpstreamError(upstream, errorType);
          throw error;
        } finally {
          recordUpstreamDuration(performance.now() - started, upstream, request.method, errorType);
        }
      },
      { kind: SpanKind.CLIENT },
    );
  }

  /**
   * One message the upstream sent before its response, remapped for the client. Also used by
   * InflightTakeover to finish a call another replica began, with the same mappings.
   */
  async forward(ctx: RelayContext, message: JSONRPCMessage, call: RelayedCall): Promise<void> {
    const note = callNote(ctx, call);
    if ('method' in message && 'id' in message) {
      if (!call.state) return;
      const stream = ctx.stream;
      await this.serverRequests.relay(
        ctx.session,
        ctx.upstream,
        call.state,
        message,
        stream?.open ? (m) => stream.send(m, note) : undefined,
      );
      return;
    }
    if (!('method' in message)) return; // stray responses belong to no client request
    const params = (message.params ?? {}) as Record<string, unknown>;
    if (message.method === 'notifications/progress') {
      if (
        call.gatewayProgressToken === undefined ||
        params['progressToken'] !== call.gatewayProgressToken
      )
        return;
      ctx.stream?.send(
        { ...message, params: { ...params, progressToken: call.clientProgressToken } },
        note,
      );
      return;
    }
    if (message.method === 'notifications/cancelled') {
      if (params['requestId'] !== call.upstreamRequestId || ctx.clientRequestId === undefined)
        return;
      ctx.stream?.send({ ...message, params: { ...params, requestId: ctx.clientRequestId } });
      ctx.stream?.end();
      ctx.stream?.forget(ctx.clientRequestId);
      return;
    }
    ctx.stream?.send(message, note);
  }
}

/** What a relayed call needs to remap the upstream's messages; stored to finish it elsewhere. */
export interface RelayedCall {
  method: string;
  /** The upstream's own tool (or prompt) name, for the audit trail of a taken-over call. */
  tool: string | undefined;
  upstreamRequestId: string;
  clientProgressToken: ProgressToken | undefined;
  gatewayProgressToken: string | undefined;
  state: UpstreamSession | undefined;
  /** The upstream's SSE event id of the latest message (resume point), if it gives ids. */
  upstreamEventId: string | undefined;
}

/** The facts that let another replica finish this call (InflightCallRecord minus the stream). */
function callNote(ctx: RelayContext, call: RelayedCall): InflightNote | undefined {
  if (ctx.clientRequestId === undefined) return undefined;
  const note: InflightNote = {
    clientRequestId: ctx.clientRequestId,
    method: call.method,
    slug: ctx.upstream.slug,
    upstreamRequestId: call.upstreamRequestId,
  };
  if (call.tool !== undefined) note.tool = call.tool;
  if (ctx.decision !== undefined) note.decision = ctx.decision;
  if (call.state?.sessionId !== undefined) note.upstreamSessionId = call.state.sessionId;
  if (call.upstreamEventId !== undefined) note.upstreamEventId = call.upstreamEventId;
  if (call.clientProgressToken !== undefined) note.clientProgressToken = call.clientProgressToken;
  if (call.gatewayProgressToken !== undefined)
    note.gatewayProgressToken = call.gatewayProgressToken;
  return note;
}

/**
 * The request with this hop's trace context in `params._meta` (SEP-414), replacing any the
 * client sent there; unchanged without an SDK. A copy: the client's params are not touched.
 */
function withTraceMeta(request: JSONRPCRequest): JSONRPCRequest {
  const params = injectTraceMeta(request.params);
  return params === request.params
    ? request
    : { ...request, params: params as JSONRPCRequest['params'] };
}

/** How long the upstream took to answer: the gateway's own share is the request's minus this. */
function recordUpstreamDuration(
  ms: number,
  upstream: string,
  method: string,
  errorType: string | undefined,
): void {
  const attributes: Record<string, string> = {
    [McpAttributes.UPSTREAM]: upstream,
    [McpAttributes.METHOD_NAME]: method,
  };
  if (errorType !== undefined) attributes[McpAttributes.ERROR_TYPE] = errorType;
  gatehouseMetrics().upstreamRequestDuration.record(ms / 1000, attributes);
}

function countUpstreamError(upstream: string, errorType: string): void {
  gatehouseMetrics().upstreamErrors.add(1, {
    [McpAttributes.UPSTREAM]: upstream,
    [McpAttributes.ERROR_TYPE]: errorType,
  });
}

function remapProgressToken(params: JSONRPCRequest['params']): {
  params: JSONRPCRequest['params'];
  clientProgressToken: ProgressToken | undefined;
  gatewayProgressToken: string | undefined;
} {
  const meta = params?._meta as Record<string, unknown> | undefined;
  const token = meta?.['progressToken'];
  if (!params || !meta || (typeof token !== 'string' && typeof token !== 'number')) {
    return { params, clientProgressToken: undefined, gatewayProgressToken: undefined };
  }
  const gatewayProgressToken = newGatewayId('p');
  return {
    params: { ...params, _meta: { ...meta, progressToken: gatewayProgressToken } },
    clientProgressToken: token,
    gatewayProgressToken,
  };
}
