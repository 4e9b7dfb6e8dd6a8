import { randomUUID } from 'node:crypto';
import { isSupportedProtocolVersion } from '@gatehouse/mcp-protocol';
import {
  InitializeResultSchema,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from '@modelcontextprotocol/sdk/types.js';
import { Agent } from 'undici';
import { createDeadline } from './deadline';
import { readResponse } from './response-reader';
import { openSseGetStream } from './get-stream';
import { isUpstreamError, upstreamErrors } from './upstream-error';
import { buildUpstreamHeaders, type ExchangeKind } from './upstream-headers';
import {
  discardBody,
  errorForStatus,
  readCappedText,
  exchange,
  headerValue,
  type UpstreamResponse,
} from './upstream-http';
import type {
  ExchangeContext,
  GetStreamOptions,
  GetStreamResult,
  InitializeParams,
  RequestContext,
  UpstreamClientOptions,
  UpstreamSession,
  UpstreamTarget,
} from './upstream-types';
import { publicAddressLookup } from './address-guard';
import { classifyProbe, discoverRequest, type EraVerdict } from './era-probe';
import {
  MODERN_PROTOCOL_VERSION,
  standardRequestHeaders,
  withEnvelope,
  type ModernCaller,
} from './modern-wire';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';

const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RESUME_ATTEMPTS = 2;

/**
 * Streamable HTTP client for a stateless relay: every call takes the upstream session as a
 * plain value, so a session opened by one replica is continued by any other. The only state
 * held here is the shared undici connection pool.
 */
export class UpstreamClient {
  private readonly agent: Agent;
  /**
   * Standalone GET streams live as long as client sessions: they get their own pool, so that
   * they can never take the connections tool calls need (one per open stream, no upper bound
   * other than the sessions themselves).
   */
  private readonly streamAgent: Agent;
  private readonly streamIdleTimeoutMs: number;
  private readonly maxResumeAttempts: number;

  constructor(private readonly options: UpstreamClientOptions) {
    const connect =
      options.allowPrivateNetworks === false ? { connect: { lookup: publicAddressLookup } } : {};
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 128, ...connect });
    this.streamAgent = new Agent({ keepAliveTimeout: 30_000, ...connect });
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    this.maxResumeAttempts = options.maxResumeAttempts ?? DEFAULT_MAX_RESUME_ATTEMPTS;
  }

  /** Runs the initialize handshake (initialize, then notifications/initialized). */
  async initialize(
    target: UpstreamTarget,
    params: InitializeParams,
    ctx: ExchangeContext = {},
  ): Promise<UpstreamSession> {
    const request: JSONRPCRequest = {
      jsonrpc: '2.0',
      id: `gatehouse-init-${randomUUID()}`,
      method: 'initialize',
      params: { ...params },
    };
    const { response, sessionId } = await this.post('initialize', target, undefined, request, ctx);
    if ('error' in response) {
      throw upstreamErrors.protocol(target.slug, `initialize failed: ${response.error.message}`);
    }
    const parsed = InitializeResultSchema.safeParse(response.result);
    if (!parsed.success)
      throw upstreamErrors.protocol(target.slug, 'the initialize result is malformed');
    const result = parsed.data;
    if (!isSupportedProtocolVersion(result.protocolVersion)) {
      throw upstreamErrors.protocol(
        target.slug,
        `it chose protocol version "${result.protocolVersion}", which Gatehouse does not speak`,
      );
    }
    const session: UpstreamSession = {
      protocolVersion: result.protocolVersion,
      capabilities: result.capabilities,
      serverInfo: result.serverInfo,
      ...(sessionId !== undefined ? { sessionId } : {}),
      ...(result.instructions !== undefined ? { instructions: result.instructions } : {}),
    };
    await this.notify(
      target,
      session,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      ctx,
    );
    return session;
  }

  /**
   * Asks the upstream which era it speaks (`server/discover`, 2026-07-28 envelope) and classifies
   * the answer as the v2 client SDK does. Resolves with a verdict; throws an UpstreamError for
   * outcomes that are no era evidence (unreachable, timeout, 401/403, 5xx), which callers must
   * not cache.
   */
  async discover(
    target: UpstreamTarget,
    clientInfo: Implementation,
    ctx: ExchangeContext = {},
  ): Promise<EraVerdict> {
    const request = discoverRequest(clientInfo);
    const timeoutMs = target.timeoutMs ?? this.options.timeoutMs;
    const deadline = createDeadline(timeoutMs, ctx.signal);
    try {
      const response = await exchange(target, {
        dispatcher: this.agent,
        method: 'POST',
        headers: buildUpstreamHeaders('post', target, undefined, ctx, {
          ...(this.options.userAgent !== undefined ? { userAgent: this.options.userAgent } : {}),
          protocol: {
            'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
            ...standardRequestHeaders(request),
          },
        }),
        body: JSON.stringify(request),
        deadline,
        timeoutMs,
      });
      let verdict;
      if (response.status < 200 || response.status >= 300) {
        const body = await readCappedText(target, response, 64 * 1024).catch(() => '');
        verdict = classifyProbe(target, { kind: 'http-error', status: response.status, body });
      } else if (response.status === 202) {
        discardBody(response);
        verdict = classifyProbe(target, { kind: 'http-error', status: 400, body: '' });
      } else {
        const answer = await readResponse(
          {
            target,
            requestId: request.id,
            maxBytes: this.options.maxResponseBytes,
            deadline,
            timeoutMs,
            onMessage: undefined,
            maxResumeAttempts: 0,
            resume: () => Promise.reject(upstreamErrors.protocol(target.slug, 'no resume')),
          },
          response,
        );
        verdict = classifyProbe(
          target,
          'error' in answer
            ? { kind: 'rpc-error', ...answer.error }
            : { kind: 'result', result: answer.result },
        );
      }
      if (verdict instanceof Error) throw verdict;
      return verdict;
    } finally {
      deadline.dispose();
    }
  }

  /**
   * The session value for a modern upstream: no handshake and no session id, just what the
   * verdict advertised and the caller whose envelope its requests will carry.
   */
  modernSession(
    verdict: Extract<EraVerdict, { era: 'modern' }>,
    caller: ModernCaller,
  ): UpstreamSession {
    const serverInfo = (verdict.discover._meta?.['io.modelcontextprotocol/serverInfo'] as
      Implementation | undefined) ?? { name: 'unknown', version: '0' };
    return {
      protocolVersion: verdict.version,
      capabilities: verdict.discover.capabilities as UpstreamSession['capabilities'],
      serverInfo,
      ...(verdict.discover.instructions !== undefined
        ? { instructions: verdict.discover.instructions }
        : {}),
      modern: caller,
    };
  }

  /**
   * Sends one request and resolves with its response (a JSON-RPC error response is a value,
   * not a throw). Intermediate messages go to ctx.onMessage as they arrive. If ctx.signal aborts
   * or the timeout passes, the HTTP exchange is aborted and the upstream gets
   * notifications/cancelled so it can stop working.
   */
  async request(
    target: UpstreamTarget,
    session: UpstreamSession,
    request: JSONRPCRequest,
    ctx: RequestContext = {},
  ): Promise<JSONRPCResponse> {
    try {
      return (await this.post('post', target, session, request, ctx)).response;
    } catch (error) {
      if (
        isUpstreamError(error, 'upstream_timeout') ||
        isUpstreamError(error, 'upstream_cancelled')
      ) {
        // 2026-07-28: closing the response stream is the cancellation; nothing more to send.
        if (session.modern === undefined) this.sendCancelled(target, session, request, error.code);
      }
      throw error;
    }
  }

  /** Sends a notification; the upstream must accept it (202). */
  async notify(
    target: UpstreamTarget,
    session: UpstreamSession,
    notification: JSONRPCNotification,
    ctx: ExchangeContext = {},
  ): Promise<void> {
    await this.postAccepted(target, session, notification, ctx);
  }

  /** Answers a server→client request (sampling, elicitation, roots/list) seen in onMessage. */
  async sendResponse(
    target: UpstreamTarget,
    session: UpstreamSession,
    response: JSONRPCResponse,
    ctx: ExchangeContext = {},
  ): Promise<void> {
    await this.postAccepted(target, session, response, ctx);
  }

  /** Opens the session's GET stream; 405 means the upstream offers none. */
  async openGetStream(
    target: UpstreamTarget,
    session: UpstreamSession,
    options: GetStreamOptions,
  ): Promise<GetStreamResult> {
    // 2026-07-28 has no GET stream (subscriptions/listen replaces it).
    if (session.modern !== undefined) return { supported: false };
    return openSseGetStream({
      dispatcher: this.streamAgent,
      target,
      session,
      options,
      timeoutMs: target.timeoutMs ?? this.options.timeoutMs,
      idleTimeoutMs: this.streamIdleTimeoutMs,
      maxBytes: this.options.maxResponseBytes,
      ...(this.options.userAgent !== undefined ? { userAgent: this.options.userAgent } : {}),
    });
  }

  /** Ends the upstream session (DELETE). 404 and 405 count as done: nothing is left to end. */
  async terminate(
    target: UpstreamTarget,
    session: UpstreamSession,
    ctx: ExchangeContext = {},
  ): Promise<void> {
    if (session.sessionId === undefined) return;
    const response = await this.send('delete', target, session, undefined, ctx, async (r) => r);
    if (
      response.status === 404 ||
      response.status === 405 ||
      (response.status >= 200 && response.status < 300)
    ) {
      discardBody(response);
      return;
    }
    throw await errorForStatus(target, response, true);
  }

  /** Closes pooled connections; open GET streams end. */
  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.streamAgent.close()]);
  }

  private async postAccepted(
    target: UpstreamTarget,
    session: UpstreamSession,
    message: JSONRPCNotification | JSONRPCResponse,
    ctx: ExchangeContext,
  ): Promise<void> {
    const response = await this.send('post', target, session, message, ctx, async (r) => r);
    discardBody(response);
  }

  private async post(
    kind: 'initialize' | 'post',
    target: UpstreamTarget,
    session: UpstreamSession | undefined,
    request: JSONRPCRequest,
    ctx: RequestContext,
  ): Promise<{ response: JSONRPCResponse; sessionId: string | undefined }> {
    const timeoutMs = target.timeoutMs ?? this.options.timeoutMs;
    const deadline = createDeadline(timeoutMs, ctx.signal);
    const modern = session?.modern;
    const sent = modern
      ? withEnvelope(request, session?.protocolVersion ?? MODERN_PROTOCOL_VERSION, modern)
      : request;
    const protocol = modern ? standardRequestHeaders(sent) : undefined;
    try {
      return await this.send(
        kind,
        target,
        session,
        sent,
        ctx,
        async (response, sentDeadline) => {
          if (response.status === 202) {
            throw upstreamErrors.protocol(
              target.slug,
              `it answered 202 to request "${request.method}"`,
            );
          }
          const result = await readResponse(
            {
              target,
              requestId: request.id,
              maxBytes: this.options.maxResponseBytes,
              deadline: sentDeadline,
              timeoutMs,
              onMessage: ctx.onMessage,
              maxResumeAttempts: this.maxResumeAttempts,
              resume: (lastEventId) =>
                exchange(target, {
                  dispatcher: this.agent,
                  method: 'GET',
                  headers: this.headers('get', target, session, ctx, lastEventId),
                  deadline: sentDeadline,
                  timeoutMs,
                }),
            },
            response,
          );
          return { response: result, sessionId: headerValue(response, 'mcp-session-id') };
        },
        deadline,
        protocol,
      );
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Performs one exchange and hands a 2xx response to `onSuccess`; anything else becomes an
   * UpstreamError. A deadline may be passed in when reading must stay under the same timer.
   */
  private async send<T>(
    kind: ExchangeKind,
    target: UpstreamTarget,
    session: UpstreamSession | undefined,
    message: object | undefined,
    ctx: ExchangeContext,
    onSuccess: (
      response: UpstreamResponse,
      deadline: ReturnType<typeof createDeadline>,
    ) => Promise<T>,
    sharedDeadline?: ReturnType<typeof createDeadline>,
    protocol?: Record<string, string>,
  ): Promise<T> {
    const timeoutMs = target.timeoutMs ?? this.options.timeoutMs;
    const deadline = sharedDeadline ?? createDeadline(timeoutMs, ctx.signal);
    try {
      const response = await exchange(target, {
        dispatcher: this.agent,
        method: kind === 'delete' ? 'DELETE' : kind === 'get' ? 'GET' : 'POST',
        headers: this.headers(kind, target, session, ctx, undefined, protocol),
        ...(message !== undefined ? { body: JSON.stringify(message) } : {}),
        deadline,
        timeoutMs,
      });
      const ok = response.status >= 200 && response.status < 300;
      if (!ok && kind !== 'delete') {
        throw await errorForStatus(
          target,
          response,
          kind !== 'initialize' && session?.sessionId !== undefined,
        );
      }
      return await onSuccess(response, deadline);
    } finally {
      if (sharedDeadline === undefined) deadline.dispose();
    }
  }

  private headers(
    kind: ExchangeKind,
    target: UpstreamTarget,
    session: UpstreamSession | undefined,
    ctx: ExchangeContext,
    lastEventId?: string,
    protocol?: Record<string, string>,
  ): Record<string, string> {
    return buildUpstreamHeaders(kind, target, session, ctx, {
      ...(this.options.userAgent !== undefined ? { userAgent: this.options.userAgent } : {}),
      ...(lastEventId !== undefined ? { lastEventId } : {}),
      ...(protocol !== undefined ? { protocol } : {}),
    });
  }

  // Spec: cutting the HTTP stream does not cancel; only notifications/cancelled does.
  // Best effort by design: the caller already has its error, and the upstream may be gone.
  private sendCancelled(
    target: UpstreamTarget,
    session: UpstreamSession,
    request: JSONRPCRequest,
    code: string,
  ) {
    const notification: JSONRPCNotification = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: {
        requestId: request.id,
        reason: code === 'upstream_timeout' ? 'timeout' : 'cancelled by the client',
      },
    };
    this.notify(target, session, notification).catch(() => undefined);
  }
}
