import { SUBSCRIPTION_ID_META_KEY } from '@modelcontextprotocol/server';
import type { Logger } from '@gatehouse/telemetry';
import type { JSONRPCMessage, JSONRPCResponse } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import type { McpHttpResponse } from '../http-types';
import { targetOf } from '../upstream-sessions';
import { EventChannel } from './event-channel';
import type { ModernRequestContext } from './modern-request';
import type { ModernUpstreams } from './modern-upstreams';

/** An upstream listen stream is re-opened after this long (our exchanges have a deadline). */
const UPSTREAM_LISTEN_MS = 6 * 60 * 60 * 1000;

interface OpenListener {
  channel: EventChannel;
  abort: AbortController;
  end: () => void;
}

/**
 * `subscriptions/listen` for modern clients: acknowledged at once with the part of the filter
 * Gatehouse honours (tool list changes, the only lists it serves to 2026-07-28 clients today),
 * then every `notifications/tools/list_changed` of the caller's modern upstreams, each stamped
 * with this subscription's id. The replica that holds the client's stream opens its own listen
 * stream to each upstream, so a listener on any replica hears its upstreams. On shutdown each
 * subscription ends gracefully with its completion result.
 */
export class ModernListen {
  private readonly open = new Set<OpenListener>();

  constructor(
    private readonly upstreams: ModernUpstreams,
    private readonly client: UpstreamClient,
    private readonly logger: Logger,
  ) {}

  async listen(ctx: ModernRequestContext): Promise<McpHttpResponse> {
    const { message } = ctx;
    const requested = ((message.params ?? {}) as { notifications?: Record<string, unknown> })
      .notifications;
    const honored: Record<string, unknown> =
      requested?.['toolsListChanged'] === true ? { toolsListChanged: true } : {};
    const subscriptionMeta = { [SUBSCRIPTION_ID_META_KEY]: message.id };
    const channel = new EventChannel();
    channel.push({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: subscriptionMeta, notifications: honored },
    });

    const abort = new AbortController();
    ctx.req.signal.addEventListener('abort', () => abort.abort(ctx.req.signal.reason), {
      once: true,
    });
    const listener: OpenListener = {
      channel,
      abort,
      end: () => {
        const done: JSONRPCResponse = {
          jsonrpc: '2.0',
          id: message.id,
          result: { resultType: 'complete', _meta: subscriptionMeta },
        };
        channel.end(done);
        abort.abort(new Error('gateway shutting down'));
      },
    };
    this.open.add(listener);
    abort.signal.addEventListener('abort', () => this.open.delete(listener), { once: true });

    if (honored['toolsListChanged'] === true) {
      const reachable = await this.upstreams.reachable(ctx.identity, ctx.req.upstreamSlug);
      const { servable } = await this.upstreams.servable(reachable, ctx.envelope, abort.signal);
      for (const { upstream, state } of servable) {
        if (state.capabilities.tools === undefined) continue;
        const target = { ...targetOf(upstream), timeoutMs: UPSTREAM_LISTEN_MS };
        const forward = (upstreamMessage: JSONRPCMessage) => {
          if (!('method' in upstreamMessage) || 'id' in upstreamMessage) return;
          if (upstreamMessage.method !== 'notifications/tools/list_changed') return;
          const params = (upstreamMessage.params ?? {}) as Record<string, unknown>;
          channel.push({
            ...upstreamMessage,
            params: { ...params, _meta: { ...(params['_meta'] ?? {}), ...subscriptionMeta } },
          });
        };
        this.client
          .request(
            target,
            state,
            {
              jsonrpc: '2.0',
              id: `${String(message.id)}:${upstream.slug}`,
              method: 'subscriptions/listen',
              params: { notifications: { toolsListChanged: true } },
            },
            { signal: abort.signal, headers: ctx.propagate, onMessage: forward },
          )
          .catch((error: unknown) => {
            if (!abort.signal.aborted)
              this.logger.warn({ upstream: upstream.slug, err: error }, 'upstream listen ended');
          });
      }
    }
    return { status: 200, headers: {}, stream: channel };
  }

  /** Ends every open subscription with its completion result (graceful shutdown). */
  stop(): void {
    for (const listener of this.open) listener.end();
    this.open.clear();
  }
}
