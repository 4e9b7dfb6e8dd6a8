import { BusChannels, type Bus } from '@gatehouse/bus';
import type { SessionStore } from '@gatehouse/session-store';

/**
 * The GET streams clients hold open on this replica, by session. A stream ends when its
 * session ends anywhere (a DELETE or an admin's termination, announced on the bus), when a
 * periodic check finds the session gone (expired, or lost with Redis), and at shutdown, so
 * that clients reconnect, with Last-Event-ID, to a replica that can serve them.
 */
export class ClientStreams {
  private readonly open = new Map<string, Set<AbortController>>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly sessions: SessionStore,
    private readonly bus: Bus,
    private readonly checkEveryMs: number,
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.endLost(), this.checkEveryMs);
    this.timer.unref();
    this.unsubscribe = await this.bus.subscribe(BusChannels.sessionTerminated, (message) => {
      const { sessionId } = message as { sessionId?: unknown };
      if (typeof sessionId === 'string') this.close(sessionId, 'the session was terminated');
    });
  }

  /** Ends every stream (shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
    for (const sessionId of [...this.open.keys()]) this.close(sessionId, 'shutting down');
  }

  /** `events` of one GET connection of the session, registered until the iteration ends. */
  async *follow<T>(
    sessionId: string,
    connection: AbortController,
    events: AsyncIterable<T>,
  ): AsyncIterable<T> {
    const untrack = this.track(sessionId, connection);
    try {
      yield* events;
    } finally {
      untrack();
    }
  }

  private track(sessionId: string, connection: AbortController): () => void {
    let connections = this.open.get(sessionId);
    if (!connections) {
      connections = new Set();
      this.open.set(sessionId, connections);
    }
    const set = connections;
    set.add(connection);
    const untrack = () => {
      set.delete(connection);
      if (set.size === 0 && this.open.get(sessionId) === set) this.open.delete(sessionId);
    };
    connection.signal.addEventListener('abort', untrack, { once: true });
    return untrack;
  }

  private close(sessionId: string, reason: string): void {
    for (const connection of this.open.get(sessionId) ?? []) connection.abort(new Error(reason));
    this.open.delete(sessionId);
  }

  private async endLost(): Promise<void> {
    await Promise.all(
      [...this.open.keys()].map(async (sessionId) => {
        try {
          if (!(await this.sessions.get(sessionId)))
            this.close(sessionId, 'the session no longer exists');
        } catch {
          // Session store unreachable: keep the streams, check again next time.
        }
      }),
    );
  }
}
