import { randomBytes } from 'node:crypto';
import type { Bus } from '@gatehouse/bus';
import { setTimeout as delay } from 'node:timers/promises';
import { isUpstreamError, type UpstreamClient } from '@gatehouse/mcp-upstream-client';
import type { SessionEventLog, SessionStore, SessionWithUpstreams } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';
import type { ServerRequestRelay } from './server-requests';
import type { ToolCatalog } from './tool-catalog';
import { targetOf } from './upstream-sessions';

export const GET_STREAM_OWNER_CHANNEL = 'mcp:get-stream-owner';
const UPSTREAM_EVENTS = 'upstream-events';
/** Reopening a dropped upstream GET stream: first delay, doubling per failure, capped. */
const REOPEN_DELAY_MS = 100;
const REOPEN_MAX_DELAY_MS = 5_000;
/** Consecutive failures to open it after which the listener gives up on that upstream. */
const MAX_REOPEN_FAILURES = 8;
/** A stream open longer than this before it ended was not a failure to open. */
const STABLE_STREAM_MS = 5_000;
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
    private readonly sessions: SessionStore,
    private readonly sessionTtlSeconds: number,
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
      if (!session.upstreams[upstream.slug]) continue;
      void this.follow(session, upstream, abort.signal);
    }
  }

  /**
   * Keeps one upstream's GET stream open while the listener lives: reopened when it drops,
   * with the last event id seen from that upstream (kept in the session store, so a replica
   * taking the stream over resumes it too); notifications sent while it was down are replayed
   * by a resumable upstream. The id is stored after the event is logged: at least once.
   */
  private async follow(
    session: SessionWithUpstreams,
    upstream: UpstreamConfig,
    signal: AbortSignal,
  ): Promise<void> {
    const slug = upstream.slug;
    let lastEventId =
      (await this.sessions.getValue(session.id, UPSTREAM_EVENTS, slug).catch(() => null)) ??
      undefined;
    for (let failures = 0; !signal.aborted;) {
      const state = session.upstreams[slug];
      if (!state) return;
      let delivered = false;
      const openedAt = Date.now();
      try {
        const result = await this.client.openGetStream(targetOf(upstream), state, {
          ...(lastEventId !== undefined ? { lastEventId } : {}),
          signal,
          onMessage: async (message, eventId) => {
            delivered = true;
            await this.fromUpstream(session, upstream, message);
            if (eventId === undefined) return;
            lastEventId = eventId;
            await this.sessions.putValues(
              session.id,
              UPSTREAM_EVENTS,
              { [slug]: eventId },
              this.sessionTtlSeconds,
            );
          },
        });
        if (!result.supported) return;
        await result.done;
      } catch (error) {
        if (signal.aborted) return;
        this.logger.warn({ upstream: slug, err: error, failures }, 'upstream GET stream failed');
        if (isUpstreamError(error, 'upstream_session_expired')) return;
      }
      // A stream that delivered, or stayed open a while (ended by idleness, say), was healthy;
      // one that fails or ends at once counts, so it is retried ever more slowly, then left.
      const healthy = delivered || Date.now() - openedAt > STABLE_STREAM_MS;
      failures = healthy ? 0 : failures + 1;
      if (failures > MAX_REOPEN_FAILURES) return;
      if (signal.aborted) return;
      await delay(Math.min(REOPEN_MAX_DELAY_MS, REOPEN_DELAY_MS * 2 ** failures), undefined, {
        signal,
      }).catch(() => undefined);
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
