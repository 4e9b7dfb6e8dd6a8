import { randomBytes } from 'node:crypto';
import type { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import type {
  InflightCallStore,
  InflightEntry,
  InflightWrite,
  SessionEventLog,
  SessionStore,
} from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { InflightCallRecord } from './inflight-record';
import type { InflightRegistry } from './inflight';
import type { CallRecorder } from './call-recorder';
import type { UpstreamDirectory } from './ports';
import type { Relay } from './relay';
import { ResponseStream, type EventLogger } from './response-stream';
import { isResponse, TakenCallFinisher } from './taken-call-finisher';

export interface InflightTakeoverOptions {
  /** How often this replica renews its liveness key and looks for orphaned calls. */
  heartbeatMs: number;
  /** A replica whose key is this old is dead; its calls are taken over. */
  ownerTtlMs: number;
  /** Longest a taken-over call may still run (the upstream timeout). */
  callTimeoutMs: number;
}

export function inflightField(sessionId: string, streamId: string, requestId: RequestId): string {
  return `${sessionId} ${streamId} ${typeof requestId}:${String(requestId)}`;
}

/**
 * Finishes calls whose replica died. While a POST is relayed with an SSE answer, every event
 * logged for it also upserts the call's entry (owner, upstream session and request ids, the
 * upstream's last event id, progress-token mapping) in the same Redis transaction, and the
 * final response deletes it: no extra round trip. Each replica renews one liveness key. When
 * an owner's key has expired, any replica may claim its entries (atomic compare-and-set), and
 * the winner reopens the upstream's stream with GET + `Last-Event-ID`, relays the rest with the
 * original mappings into the session's event log (where the client's resumed GET reads it),
 * and logs the final response. An upstream that gave no event ids cannot be resumed: the
 * client gets a JSON-RPC error for its request instead of waiting for ever.
 */
export class InflightTakeover {
  readonly replicaId = randomBytes(9).toString('base64url');
  private readonly running = new Map<string, AbortController>();
  private readonly finishing = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = true;
  /** Set at shutdown: calls being finished here are abandoned, not failed, for another replica. */
  private stopped = false;
  private beat: Promise<unknown> = Promise.resolve();
  private readonly finisher: TakenCallFinisher;

  constructor(
    private readonly store: InflightCallStore,
    private readonly events: SessionEventLog,
    sessions: SessionStore,
    directory: UpstreamDirectory,
    client: UpstreamClient,
    relay: Relay,
    inflight: InflightRegistry,
    recorder: CallRecorder,
    private readonly logger: Logger,
    private readonly options: InflightTakeoverOptions,
  ) {
    this.finisher = new TakenCallFinisher(
      sessions,
      directory,
      client,
      relay,
      inflight,
      recorder,
      logger,
      options.callTimeoutMs,
    );
  }

  async start(): Promise<void> {
    await this.store.heartbeat(this.replicaId, this.options.ownerTtlMs);
    this.timer = setInterval(() => {
      this.beat = this.tick();
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Shutdown begins: take over nothing more, but stay alive while in-flight calls drain. */
  stopSweeping(): void {
    this.sweeping = false;
  }

  /** Shutdown ends: calls still running here are left for another replica, at once. */
  async stop(): Promise<void> {
    this.sweeping = false;
    this.stopped = true;
    clearInterval(this.timer);
    await this.beat;
    for (const abort of this.running.values()) abort.abort(new Error('shutting down'));
    // Wait for them to stop relaying before another replica may take their entries.
    await Promise.all(this.finishing);
    await this.store.retire(this.replicaId);
  }

  /**
   * The event logger of one POST stream: events carrying a call note upsert the call's entry,
   * the final response of a noted call deletes it, both in the append's own transaction.
   */
  eventLogger(sessionId: string, streamId: string, noted: string[] = []): EventLogger {
    const fields = new Set(noted);
    return async (message, final, note) => {
      let write: InflightWrite | undefined;
      if (note) {
        const field = inflightField(sessionId, streamId, note.clientRequestId);
        fields.add(field);
        const record = { ...note, v: 1, sessionId, streamId };
        write = { field, owner: this.replicaId, record: JSON.stringify(record) };
      } else if (isResponse(message)) {
        const field = inflightField(sessionId, streamId, message.id);
        if (fields.delete(field)) write = { field, remove: true };
      }
      return (await this.events.append(sessionId, streamId, message, final, write)).id;
    };
  }

  /** Drops the entry of a noted call that ended without a logged response (cancelled). */
  forgetter(sessionId: string, streamId: string): (requestId: RequestId) => Promise<void> {
    return (requestId) => this.store.remove(inflightField(sessionId, streamId, requestId));
  }

  /** A client resumes `streamId`: if the call behind it lost its replica, finish it now. */
  async resume(sessionId: string, streamId: string): Promise<void> {
    await this.takeOverOrphans(`${sessionId} ${streamId} `);
  }

  private async tick(): Promise<void> {
    try {
      await this.store.heartbeat(this.replicaId, this.options.ownerTtlMs);
      if (this.sweeping) await this.takeOverOrphans('');
    } catch (error) {
      this.logger.warn({ err: error }, 'in-flight call sweep failed');
    }
  }

  private async takeOverOrphans(fieldPrefix: string): Promise<void> {
    const entries = (await this.store.list()).filter(
      (e) => e.field.startsWith(fieldPrefix) && !this.running.has(e.field),
    );
    const owners = [...new Set(entries.map((e) => e.owner))].filter((o) => o !== this.replicaId);
    if (owners.length === 0) return;
    const alive = await this.store.alive(owners);
    await Promise.all(
      entries
        .filter((e) => e.owner !== this.replicaId && !alive.has(e.owner))
        .map((e) => this.takeOver(e)),
    );
  }

  private async takeOver(entry: InflightEntry): Promise<void> {
    if (this.running.has(entry.field)) return;
    if (!(await this.store.claim(entry.field, entry.owner, this.replicaId))) return;
    let record: InflightCallRecord;
    try {
      record = JSON.parse(entry.record) as InflightCallRecord;
    } catch {
      await this.store.remove(entry.field);
      return;
    }
    this.logger.warn(
      { sessionId: record.sessionId, upstream: record.slug, deadReplica: entry.owner },
      'taking over a call whose replica died',
    );
    // In the background: a sweep (and shutdown, which awaits the last one) must not wait for
    // the calls it found to finish.
    const finishing = this.finish(entry.field, record, entry.owner).catch((error: unknown) =>
      this.logger.error({ err: error, sessionId: record.sessionId }, 'call takeover failed'),
    );
    this.finishing.add(finishing);
    void finishing.finally(() => this.finishing.delete(finishing));
  }

  private async finish(
    field: string,
    record: InflightCallRecord,
    previousOwner: string,
  ): Promise<void> {
    const abort = new AbortController();
    this.running.set(field, abort);
    try {
      await this.finisher.finish({
        record,
        abort,
        stream: () =>
          ResponseStream.loggingOnly(
            this.eventLogger(record.sessionId, record.streamId, [field]),
            this.forgetter(record.sessionId, record.streamId),
          ),
        remove: () => this.store.remove(field),
        handBack: () => this.store.claim(field, this.replicaId, previousOwner),
        abandoned: () => this.stopped,
      });
    } finally {
      this.running.delete(field);
    }
  }
}
