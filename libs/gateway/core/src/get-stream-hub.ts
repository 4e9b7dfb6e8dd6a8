import { randomBytes } from 'node:crypto';
import type { Bus } from '@gatehouse/bus';
import type { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import type { SessionEventLog, SessionWithUpstreams } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';
import type { ServerRequestRelay } from './server-requests';
import type { ToolCatalog } from './tool-catalog';
import { targetOf } from './upstream-sessions';

export const GET_STREAM_OWNER_CHANNEL = 'mcp:get-stream-owner';
/** The stream id of the standalone GET stream in the session event log. */
export const GET_STREAM_ID = 'get';

/**
 * The session's standalone stream. The replica holding the client's GET connection listens on
 * every upstream's GET stream and writes what arrives (list_changed, resources/updated, logs,
 * requests to the client) into the session event log, which the client's connection tails. A
 * newer GET for the same session, on any replica, takes over: the older listener stops, so no
 * message is sent on two streams.
 */
export class GetStreamHub {
  private readonly listeners = new Map<string, { owner: string; abort: AbortController }>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly client: UpstreamClient,
    private readonly events: SessionEventLog,
    private readonly serverRequests: ServerRequestRelay,
    private readonly catalog: ToolCatalog,
    private readonly bus: Bus,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(GET_STREAM_OWNER_CHANNEL, (message) => {
      const { sessionId, owner } = message as { sessionId: string; owner: string };
      const current = this.listeners.get(sessionId);
      if (current && current.owner !== owner)
        this.stopListening(sessionId, 'another GET stream took over');
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    for (const sessionId of [...this.listeners.keys()])
      this.stopListening(sessionId, 'shutting down');
  }

  get openStreams(): number {
    return this.listeners.size;
  }

  /** Listens for the session until `signal` aborts or another GET takes over (then `signal`'s owner is told). */
  async listen(
    session: SessionWithUpstreams,
    upstreams: UpstreamConfig[],
    connection: AbortController,
  ): Promise<void> {
    const owner = randomBytes(9).toString('base64url');
    this.stopListening(session.id, 'replaced by a newer GET stream');
    const abort = new AbortController();
    this.listeners.set(session.id, { owner, abort });
    abort.signal.addEventListener('abort', () => connection.abort(abort.signal.reason), {
      once: true,
    });
    connection.signal.addEventListener(
      'abort',
      () => this.stopListening(session.id, 'client disconnected', owner),
      { once: true },
    );
    await this.bus.publish(GET_STREAM_OWNER_CHANNEL, { sessionId: session.id, owner });

    for (const upstream of upstreams) {
      const state = session.upstreams[upstream.slug];
      if (!state) continue;
      const onMessage = (message: JSONRPCMessage) => this.fromUpstream(session, upstream, message);
      this.client
        .openGetStream(targetOf(upstream), state, { signal: abort.signal, onMessage })
        .then((result) => (result.supported ? result.done : undefined))
        .catch((error: unknown) => {
          if (!abort.signal.aborted)
            this.logger.warn({ upstream: upstream.slug, err: error }, 'upstream GET stream ended');
        });
    }
  }

  private stopListening(sessionId: string, reason: string, onlyOwner?: string): void {
    const current = this.listeners.get(sessionId);
    if (!current || (onlyOwner !== undefined && current.owner !== onlyOwner)) return;
    this.listeners.delete(sessionId);
    current.abort.abort(new Error(reason));
  }

  private async fromUpstream(
    session: SessionWithUpstreams,
    upstream: UpstreamConfig,
    message: JSONRPCMessage,
  ): Promise<void> {
    const append = async (m: JSONRPCMessage) => {
      await this.events.append(session.id, GET_STREAM_ID, m);
    };
    if ('method' in message && 'id' in message) {
      const state = session.upstreams[upstream.slug];
      if (state) await this.serverRequests.relay(session, upstream, state, message, append);
      return;
    }
    if (!('method' in message)) return;
    if (message.method === 'notifications/tools/list_changed')
      this.catalog.forget(session.tenantId, upstream.slug);
    await append(message);
  }
}
