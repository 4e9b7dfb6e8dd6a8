import type { Identity } from '@gatehouse/auth';
import {
  UpstreamError,
  type RequestContext,
  type UpstreamClient,
  type UpstreamSession,
  type UpstreamTarget,
} from '@gatehouse/mcp-upstream-client';
import type { SessionStore, SessionWithUpstreams } from '@gatehouse/session-store';
import type {
  JSONRPCErrorResponse,
  JSONRPCRequest,
  JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';
import type { UpstreamEras } from './upstream-eras';
import { crossEraResultError } from './era-bridge';

export function targetOf(upstream: UpstreamConfig): UpstreamTarget {
  const target: UpstreamTarget = {
    slug: upstream.slug,
    url: upstream.url,
    headers: upstream.headers,
  };
  if (upstream.timeoutMs !== undefined) target.timeoutMs = upstream.timeoutMs;
  return target;
}

export interface UpstreamRequestOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  onMessage?: RequestContext['onMessage'];
  /** Called with the upstream session the request is (re)sent on, before it is sent. */
  onSession?: (state: UpstreamSession) => void;
}

/**
 * Opens and continues upstream MCP sessions on behalf of a client session. The upstream session
 * ids live in the session store, so a request on any replica continues what another began; an
 * upstream that has forgotten its session (restart, expiry) is re-initialised once, transparently.
 */
export class UpstreamSessions {
  constructor(
    private readonly client: UpstreamClient,
    private readonly sessions: SessionStore,
    /** Absent in unit tests that know their upstreams are 2025 ones. */
    private readonly eras?: UpstreamEras,
  ) {}

  async open(
    session: SessionWithUpstreams,
    upstream: UpstreamConfig,
    signal?: AbortSignal,
  ): Promise<UpstreamSession> {
    const state = await this.connect(session, upstream, signal);
    session.upstreams[upstream.slug] = state;
    await this.sessions.setUpstream(session.id, upstream.slug, state);
    return state;
  }

  /**
   * A modern upstream needs no handshake: its session value is the cached discover verdict plus
   * the caller's envelope. A legacy one is initialized as before.
   */
  private async connect(
    session: SessionWithUpstreams,
    upstream: UpstreamConfig,
    signal?: AbortSignal,
  ): Promise<UpstreamSession> {
    const verdict = this.eras ? await this.eras.verdictFor(upstream, signal) : undefined;
    if (verdict?.era === 'modern') {
      return this.client.modernSession(verdict, {
        clientInfo: session.clientInfo,
        clientCapabilities: session.clientCapabilities,
      });
    }
    try {
      return await this.client.initialize(
        targetOf(upstream),
        {
          protocolVersion: session.protocolVersion,
          capabilities: session.clientCapabilities,
          clientInfo: session.clientInfo,
        },
        signal ? { signal } : {},
      );
    } catch (error) {
      // It refused the modern probe and now the 2025 handshake too: no era works.
      if (verdict && error instanceof UpstreamError && error.code !== 'upstream_cancelled')
        await this.eras?.refusedEveryEra(upstream, error);
      throw error;
    }
  }

  async stateFor(
    session: SessionWithUpstreams,
    upstream: UpstreamConfig,
    signal?: AbortSignal,
  ): Promise<UpstreamSession> {
    return session.upstreams[upstream.slug] ?? (await this.open(session, upstream, signal));
  }

  async request(
    session: SessionWithUpstreams,
    upstream: UpstreamConfig,
    request: JSONRPCRequest,
    options: UpstreamRequestOptions,
  ): Promise<JSONRPCResultResponse | JSONRPCErrorResponse> {
    let state = await this.stateFor(session, upstream, options.signal);
    for (let attempt = 0; ; attempt++) {
      options.onSession?.(state);
      try {
        const ctx: RequestContext = { signal: options.signal };
        if (options.headers) ctx.headers = options.headers;
        if (options.onMessage) ctx.onMessage = options.onMessage;
        const response = await this.client.request(targetOf(upstream), state, request, ctx);
        return state.modern ? crossEraResultError(session, upstream, response) : response;
      } catch (error) {
        if (state.modern) await this.eras?.requestFailed(upstream, error);
        if (
          attempt === 0 &&
          error instanceof UpstreamError &&
          error.code === 'upstream_session_expired'
        ) {
          state = await this.open(session, upstream, options.signal);
          continue;
        }
        throw error;
      }
    }
  }

  /** Ends every upstream session of a client session; failures are reported, not thrown. */
  async terminateAll(
    session: SessionWithUpstreams,
    upstreams: UpstreamConfig[],
    onError: (slug: string, error: unknown) => void,
  ): Promise<void> {
    await Promise.all(
      upstreams.map(async (upstream) => {
        const state = session.upstreams[upstream.slug];
        if (!state) return;
        try {
          await this.client.terminate(targetOf(upstream), state);
        } catch (error) {
          onError(upstream.slug, error);
        }
      }),
    );
  }
}

/** Upstreams a caller may reach on a route: enabled, and allowed by the token's upstream scopes. */
export function reachableUpstreams(
  all: UpstreamConfig[],
  identity: Identity,
  route: SessionWithUpstreams['route'],
): UpstreamConfig[] {
  const scoped = identity.scopes
    .filter((s) => s.startsWith('upstream:'))
    .map((s) => s.slice('upstream:'.length));
  return all.filter(
    (u) =>
      u.enabled &&
      (scoped.length === 0 || scoped.includes(u.slug)) &&
      (route.kind === 'aggregate' || route.slug === u.slug),
  );
}
