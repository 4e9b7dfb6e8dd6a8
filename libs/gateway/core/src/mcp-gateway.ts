import type { Identity } from '@gatehouse/auth';
import { authOf, authSpanAttributes } from './auth-of';
import { BusChannels, type Bus } from '@gatehouse/bus';
import { batchesAllowed, type JsonRpcBody } from '@gatehouse/mcp-protocol';
import {
  parseEventId,
  type SessionEventLog,
  type SessionStore,
  type SessionWithUpstreams,
} from '@gatehouse/session-store';
import { randomUUID } from 'node:crypto';
import {
  describeMcpRequest,
  McpAttributes,
  withSpan,
  type Logger,
  type Span,
} from '@gatehouse/telemetry';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext } from './call-context';
import type { GatewaySettings } from './gateway-settings';
import { ClientStreams } from './client-streams';
import { GatewayHttpError } from './gateway-error';
import { accepts, header, type McpHttpRequest, type McpHttpResponse } from './http-types';
import {
  countedStream,
  describeSession,
  nameAfterBody,
  observeInitialize,
  traced,
} from './request-span';
import { GET_STREAM_ID, type GetStreamHub } from './get-stream-hub';
import { RequestChecks, SESSION_HEADER } from './request-checks';
import type { InflightRegistry } from './inflight';
import type { InflightTakeover } from './inflight-takeover';
import type { Initializer } from './initializer';
import type { AuditSink, UpstreamDirectory } from './ports';
import { ResponseStream } from './response-stream';
import { requireLegacySession } from './modern/legacy-only';
import type { ModernEdge } from './modern/modern-edge';
import { CANCEL_CHANNEL, type SessionDispatcher } from './session-dispatcher';
import { reachableUpstreams, type UpstreamSessions } from './upstream-sessions';

const TRACE_HEADERS = ['traceparent', 'tracestate', 'baggage'];

/**
 * The MCP Streamable HTTP endpoint. Each method reads top to bottom: check origin →
 * authenticate → check headers → parse → load the session → dispatch.
 */
export class McpGateway {
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly clientStreams: ClientStreams;

  constructor(
    private readonly settings: GatewaySettings,
    private readonly checks: RequestChecks,
    private readonly sessions: SessionStore,
    private readonly events: SessionEventLog,
    private readonly directory: UpstreamDirectory,
    private readonly initializer: Initializer,
    private readonly dispatcher: SessionDispatcher,
    private readonly upstreamSessions: UpstreamSessions,
    private readonly inflight: InflightRegistry,
    private readonly hub: GetStreamHub,
    private readonly audit: AuditSink,
    private readonly bus: Bus,
    private readonly logger: Logger,
    /** Finishes calls of dead replicas (Redis deployments; absent in the embedded mode). */
    private readonly takeover?: InflightTakeover,
    /** Serves MCP 2026-07-28 requests (per-request envelope, no session). */
    private readonly modern?: ModernEdge,
  ) {
    this.clientStreams = new ClientStreams(sessions, bus, settings.streamSessionCheckMs ?? 15_000);
  }

  async start(): Promise<void> {
    await this.clientStreams.start();
    await this.hub.start();
    await this.takeover?.start();
    this.unsubscribe = await this.bus.subscribe(CANCEL_CHANNEL, (message) => {
      const { sessionId, requestId, reason } = message as {
        sessionId: string;
        requestId: string | number;
        reason: string;
      };
      void this.inflight
        .cancel(sessionId, requestId, reason)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'cancel failed'));
    });
  }

  /**
   * Keeps an active session alive. The idle TTL only needs refreshing once in a while, not on
   * every request: a write at most every TTL/10 (≤ 60 s) saves two Redis round trips per call.
   */
  private touch(session: SessionWithUpstreams): void {
    const interval = Math.min(60_000, (this.settings.sessionTtlSeconds * 1000) / 10);
    if (Date.now() - session.lastSeenAt < interval) return;
    this.sessions
      .touch(session.id, this.settings.sessionTtlSeconds)
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error, sessionId: session.id },
          'could not refresh the session TTL',
        ),
      );
  }

  /** After the drain: calls still running here go to another replica at once. */
  async retire(): Promise<void> {
    await this.takeover?.stop();
  }

  /** Ends every GET stream (clients reconnect, with Last-Event-ID, to another replica). */
  async stop(): Promise<void> {
    this.modern?.stop();
    await this.unsubscribe?.();
    await this.hub.stop();
    this.takeover?.stopSweeping();
    await this.clientStreams.stop();
  }

  async handlePost(req: McpHttpRequest): Promise<McpHttpResponse> {
    return traced(req, 'POST', this.logger, async (span, answered) => {
      this.checks.origin(req);
      const identity = await this.authenticate(req, span);
      const accept = header(req.headers, 'accept');
      if (!accepts(accept, 'application/json') || !accepts(accept, 'text/event-stream')) {
        throw new GatewayHttpError(
          'not_acceptable',
          'Not Acceptable: the client must accept both application/json and text/event-stream',
        );
      }
      const contentType = header(req.headers, 'content-type') ?? '';
      if (!contentType.toLowerCase().startsWith('application/json')) {
        throw new GatewayHttpError(
          'unsupported_media_type',
          'Unsupported Media Type: Content-Type must be application/json',
        );
      }
      const modern = await this.modern?.handlePost(req, identity);
      if (modern) return modern;
      const body = this.checks.parseBody(req.rawBody ?? '');
      nameAfterBody(span, body);

      const initialize = body.messages.find(
        (m) => m.type === 'request' && m.message.method === 'initialize',
      );
      if (initialize && initialize.type === 'request') {
        if (body.kind === 'batch') {
          throw new GatewayHttpError(
            'invalid_request',
            'Invalid Request: initialize must not be part of a batch',
          );
        }
        if (header(req.headers, SESSION_HEADER)) {
          throw new GatewayHttpError(
            'already_initialized',
            'Bad Request: initialize must not carry an Mcp-Session-Id',
          );
        }
        return this.initialize(req, identity, initialize.message);
      }

      const session = await this.checks.loadSession(req, identity);
      describeSession(span, session);
      if (body.kind === 'batch' && !batchesAllowed(session.protocolVersion as '2025-03-26')) {
        throw new GatewayHttpError(
          'batch_not_allowed',
          `Bad Request: batches are not allowed in protocol ${session.protocolVersion}`,
        );
      }
      return this.dispatch(req, identity, session, body, answered);
    });
  }

  /**
   * GET opens the session's standalone SSE stream, or with Last-Event-ID resumes any stream of
   * the session (the GET stream, or a POST response that was cut) from the event log: the
   * missed events in order, then live ones. Works on any replica.
   */
  async handleGet(req: McpHttpRequest): Promise<McpHttpResponse> {
    return traced(req, 'GET', this.logger, async (span) => {
      this.checks.origin(req);
      const identity = await this.authenticate(req, span);
      if (!accepts(header(req.headers, 'accept'), 'text/event-stream')) {
        throw new GatewayHttpError(
          'not_acceptable',
          'Not Acceptable: GET must accept text/event-stream',
        );
      }
      requireLegacySession(req, 'GET');
      const session = await this.checks.loadSession(req, identity);
      describeSession(span, session);
      const lastEventId = header(req.headers, 'last-event-id');
      const resumed = lastEventId ? parseEventId(lastEventId) : undefined;
      if (lastEventId && !resumed) {
        throw new GatewayHttpError(
          'invalid_request',
          'Bad Request: Last-Event-ID was not issued by this gateway',
        );
      }
      const streamId = resumed?.streamId ?? GET_STREAM_ID;
      const connection = new AbortController();
      req.signal.addEventListener('abort', () => connection.abort(req.signal.reason), {
        once: true,
      });
      if (streamId === GET_STREAM_ID) {
        const upstreams = reachableUpstreams(
          await this.directory.listForPerson(identity.tenantId, identity.personId),
          identity,
          session.route,
        );
        await this.hub.listen(session, upstreams, connection);
      } else {
        // The call behind this POST stream may have lost its replica: finish it if so.
        this.takeover
          ?.resume(session.id, streamId)
          .catch((error: unknown) => this.logger.warn({ err: error }, 'call takeover failed'));
      }
      const tail = this.events.tail(session.id, streamId, {
        ...(lastEventId ? { after: lastEventId } : {}),
        signal: connection.signal,
      });
      this.touch(session);
      return {
        status: 200,
        headers: { [SESSION_HEADER]: session.id },
        stream: countedStream(this.clientStreams.follow(session.id, connection, tail)),
      };
    });
  }

  async handleDelete(req: McpHttpRequest): Promise<McpHttpResponse> {
    return traced(req, 'DELETE', this.logger, async (span) => {
      this.checks.origin(req);
      const identity = await this.authenticate(req, span);
      requireLegacySession(req, 'DELETE');
      const session = await this.checks.loadSession(req, identity);
      describeSession(span, session);
      const started = performance.now();
      const deleted = await this.sessions.delete(session.id);
      if (!deleted)
        throw new GatewayHttpError('session_not_found', 'Not Found: the session no longer exists');
      // Every replica ends the GET streams it holds for the session (as for an admin's end).
      this.bus
        .publish(BusChannels.sessionTerminated, {
          tenantId: identity.tenantId,
          sessionId: session.id,
        })
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not announce the end of the session'),
        );
      const upstreams = reachableUpstreams(
        await this.directory.listForPerson(identity.tenantId, identity.personId),
        identity,
        deleted.route,
      );
      await this.upstreamSessions.terminateAll(deleted, upstreams, (slug, error) =>
        this.logger.warn({ upstream: slug, err: error }, 'could not end upstream session'),
      );
      this.audit
        .record({
          tenantId: identity.tenantId,
          personId: identity.personId,
          tokenId: identity.tokenId,
          ...authOf(identity),
          sessionId: session.id,
          method: 'session/end',
          outcome: 'ok',
          latencyMs: Math.round(performance.now() - started),
          clientAddress: req.clientAddress,
        })
        .catch((error: unknown) => this.logger.error({ err: error }, 'audit event lost'));
      return { status: 200, headers: {} };
    });
  }

  private async dispatch(
    req: McpHttpRequest,
    identity: Identity,
    session: SessionWithUpstreams,
    body: JsonRpcBody,
    answered: Promise<unknown>[],
  ): Promise<McpHttpResponse> {
    const requests = body.messages.filter((m) => m.type === 'request' || m.type === 'invalid');
    const callsTools = body.messages.some(
      (m) => m.type === 'request' && m.message.method === 'tools/call',
    );
    if (callsTools && !(await this.audit.acceptsCalls(identity.tenantId))) {
      throw new GatewayHttpError(
        'service_unavailable',
        'Service Unavailable: the audit trail cannot record tool calls right now, so none are run; retry shortly',
      );
    }
    // Each POST stream gets its own id in the session event log, so it can be resumed by GET.
    const streamId = `p${randomUUID()}`;
    const stream = new ResponseStream(
      requests.length,
      body.kind === 'batch',
      this.takeover?.eventLogger(session.id, streamId) ??
        (async (message, final) => {
          const event = await this.events.append(session.id, streamId, message, final);
          return event.id;
        }),
      undefined,
      this.takeover?.forgetter(session.id, streamId),
    );
    // A dropped connection is not a cancellation (MCP transport spec): the call runs on and its
    // events stay in the log for a resume; only notifications/cancelled cancels.
    req.signal.addEventListener('abort', () => stream.detach(), { once: true });
    const directory = await this.directory.listForPerson(identity.tenantId, identity.personId);
    const ctx: CallContext = {
      identity,
      session,
      upstreams: reachableUpstreams(directory, identity, session.route),
      stream,
      propagate: Object.fromEntries(
        TRACE_HEADERS.flatMap((h) => {
          const value = header(req.headers, h);
          return value ? [[h, value]] : [];
        }),
      ),
      clientAddress: req.clientAddress,
      userAgent: header(req.headers, 'user-agent'),
    };

    for (const message of body.messages) {
      switch (message.type) {
        case 'invalid':
          stream.respond(message.error as never);
          break;
        case 'request':
          if (!session.initialized && message.message.method !== 'ping') {
            stream.respond({
              jsonrpc: '2.0',
              id: message.message.id,
              error: {
                code: -32600,
                message: 'Invalid Request: send notifications/initialized before other requests',
              },
            });
            break;
          }
          answered.push(
            this.answer(ctx, message.message, body.kind === 'batch').then((response) =>
              stream.respond(response),
            ),
          );
          break;
        case 'notification':
          await this.dispatcher.notification(ctx, message.message);
          break;
        case 'response':
        case 'error':
          await this.dispatcher.clientResponse(ctx, message.message);
          break;
      }
    }
    this.touch(session);
    if (requests.length === 0) return { status: 202, headers: {} };
    const ready = await stream.ready;
    const headers = { [SESSION_HEADER]: session.id };
    if (ready.kind === 'json') return { status: 200, headers, body: ready.body };
    return { status: 200, headers, stream: ready.events };
  }

  /** In a batch each request gets its own span under the POST's; alone, it is the POST's. */
  private answer(ctx: CallContext, request: JSONRPCRequest, inBatch: boolean) {
    if (!inBatch) return this.dispatcher.request(ctx, request);
    const { spanName, attributes } = describeMcpRequest(request.method, request.id, request.params);
    return withSpan(spanName, attributes, () => this.dispatcher.request(ctx, request));
  }

  private async authenticate(req: McpHttpRequest, span: Span): Promise<Identity> {
    const identity = await withSpan('authenticate', {}, () => this.checks.authenticate(req));
    span.setAttributes({
      [McpAttributes.TENANT_ID]: identity.tenantId,
      [McpAttributes.PERSON_ID]: identity.personId,
      ...authSpanAttributes(identity),
    });
    return identity;
  }

  private async initialize(
    req: McpHttpRequest,
    identity: Identity,
    request: JSONRPCRequest,
  ): Promise<McpHttpResponse> {
    const started = performance.now();
    const response = await this.initializer.initialize(req, identity, request);
    observeInitialize(request, response, started);
    return response;
  }
}
