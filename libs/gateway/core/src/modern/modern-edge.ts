import type { Identity } from '@gatehouse/auth';
import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { SERVER_INFO_META_KEY } from '@modelcontextprotocol/server';
import type { Logger } from '@gatehouse/telemetry';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import { GatewayHttpError } from '../gateway-error';
import { header, type McpHttpRequest, type McpHttpResponse } from '../http-types';
import type { UpstreamConfig } from '../ports';
import {
  classifyModernPost,
  DISCOVER_VERSIONS,
  errorBody,
  mayBeModern,
  unknownUpstream,
  type ModernRequestContext,
} from './modern-request';
import type { ModernCall } from './modern-call';
import type { ModernListen } from './modern-listen';
import type { ModernTools } from './modern-tools';
import type { ModernUpstreams } from './modern-upstreams';

const TRACE_HEADERS = ['traceparent', 'tracestate', 'baggage'];

/**
 * The client-facing edge for MCP 2026-07-28: one hook in the POST handler hands it each request;
 * 2025 traffic (no envelope claim) comes back undefined and takes the session path unchanged.
 * Modern requests are served statelessly on any replica: identity from the token, the caller's
 * envelope from the body, policy and audit per request.
 */
export class ModernEdge {
  constructor(
    private readonly serverInfo: Implementation,
    private readonly upstreams: ModernUpstreams,
    private readonly tools: ModernTools,
    private readonly calls: ModernCall,
    private readonly listens: ModernListen,
    private readonly logger: Logger,
  ) {}

  /** Ends open subscriptions gracefully (before the HTTP server drains). */
  stop(): void {
    this.listens.stop();
  }

  async handlePost(req: McpHttpRequest, identity: Identity): Promise<McpHttpResponse | undefined> {
    if (!mayBeModern(req)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.rawBody ?? '');
    } catch {
      return undefined; // the session path answers malformed JSON with its parse error
    }
    const classified = classifyModernPost(req, parsed);
    switch (classified.kind) {
      case 'legacy':
        return undefined;
      case 'reject':
        return { status: classified.status, headers: {}, body: classified.body };
      case 'notification':
        return { status: 202, headers: {} };
      case 'request':
        break;
    }
    const ctx: ModernRequestContext = {
      req,
      identity,
      envelope: classified.envelope,
      message: classified.message,
      prefixed: req.upstreamSlug === undefined,
      propagate: Object.fromEntries(
        TRACE_HEADERS.flatMap((h) => {
          const value = header(req.headers, h);
          return value ? [[h, value]] : [];
        }),
      ),
    };
    if (ctx.message.method === 'server/discover') return this.discover(ctx);
    try {
      switch (ctx.message.method) {
        case 'tools/list':
          return await this.listTools(ctx);
        case 'tools/call':
          return await this.calls.call(ctx, (result) => this.stamp(result));
        case 'subscriptions/listen':
          return await this.listens.listen(ctx);
        default:
          return {
            status: 404,
            headers: {},
            body: errorBody(
              ctx.message.id,
              JSON_RPC_ERROR_CODES.METHOD_NOT_FOUND,
              `Method not found: Gatehouse does not serve ${ctx.message.method} to 2026-07-28 clients yet`,
            ),
          };
      }
    } catch (error) {
      if (error instanceof GatewayHttpError) throw error;
      this.logger.warn({ err: error, method: ctx.message.method }, 'modern request failed');
      return {
        status: 200,
        headers: {},
        body: errorBody(
          ctx.message.id,
          JSON_RPC_ERROR_CODES.INTERNAL_ERROR,
          error instanceof Error ? error.message : String(error),
        ),
      };
    }
  }

  /**
   * `server/discover` always answers a complete result, never a 5xx (a 5xx stops a v2 client from
   * falling back): capabilities are those of the caller's upstreams that a modern client can be
   * served by; an upstream that cannot be probed just adds nothing.
   */
  private async discover(ctx: ModernRequestContext): Promise<McpHttpResponse> {
    let tools: Record<string, unknown> | undefined;
    try {
      const reachable = await this.upstreams.reachable(ctx.identity, ctx.req.upstreamSlug);
      const { servable } = await this.upstreams.servable(reachable, ctx.envelope, ctx.req.signal);
      const offered = servable.map((s) => s.verdict.discover.capabilities.tools).filter(Boolean);
      // Tool list changes are relayed on subscriptions/listen (modern-listen.ts).
      if (offered.length > 0)
        tools = offered.some((t) => t?.listChanged === true) ? { listChanged: true } : {};
    } catch (error) {
      this.logger.warn({ err: error }, 'server/discover: could not read the upstreams');
    }
    return this.json(ctx, {
      supportedVersions: DISCOVER_VERSIONS,
      capabilities: tools ? { tools } : {},
      instructions:
        'Gatehouse relays the tools of your upstream MCP servers; on /mcp their names are prefixed with the upstream slug ("slug__tool"). Policy decides per call.',
      // Depends on who asks (their upstreams and scopes): never shared between callers.
      ttlMs: 0,
      cacheScope: 'private',
    });
  }

  private async listTools(ctx: ModernRequestContext): Promise<McpHttpResponse> {
    const reachable = await this.upstreams.reachable(ctx.identity, ctx.req.upstreamSlug);
    if (!ctx.prefixed && reachable.length === 0) throw unknownUpstream(ctx.req.upstreamSlug);
    const { servable, leftOut } = await this.upstreams.servable(
      reachable,
      ctx.envelope,
      ctx.req.signal,
    );
    if (!ctx.prefixed && leftOut[0]) {
      return this.json(ctx, undefined, {
        code: JSON_RPC_ERROR_CODES.SERVER_ERROR,
        message: `Upstream "${leftOut[0].upstream.slug}" cannot be served to a 2026-07-28 client: ${leftOut[0].reason}`,
      });
    }
    const listing = await this.tools.list(
      ctx.identity,
      servable,
      ctx.prefixed,
      ctx.message,
      { signal: ctx.req.signal, headers: ctx.propagate },
      (upstream: UpstreamConfig, error: unknown) =>
        this.logger.warn({ upstream: upstream.slug, err: error }, 'upstream problem'),
    );
    return this.json(ctx, {
      tools: listing.tools,
      // Filtered per person: a shared cache must never serve it to someone else.
      cacheScope: 'private',
      ttlMs: listing.ttlMs,
    });
  }

  private json(
    ctx: ModernRequestContext,
    result: Record<string, unknown> | undefined,
    error?: { code: number; message: string },
  ): McpHttpResponse {
    if (error)
      return {
        status: 200,
        headers: {},
        body: errorBody(ctx.message.id, error.code, error.message),
      };
    return {
      status: 200,
      headers: {},
      body: { jsonrpc: '2.0', id: ctx.message.id, result: this.stamp(result ?? {}) },
    };
  }

  /** Every modern result names its type and the server that answered (the gateway). */
  stamp(result: Record<string, unknown>): Record<string, unknown> {
    const meta = (result['_meta'] ?? {}) as Record<string, unknown>;
    return {
      ...result,
      resultType: typeof result['resultType'] === 'string' ? result['resultType'] : 'complete',
      _meta: { ...meta, [SERVER_INFO_META_KEY]: this.serverInfo },
    };
  }
}
