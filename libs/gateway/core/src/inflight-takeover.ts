import { randomBytes } from 'node:crypto';
import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import {
  isUpstreamError,
  type UpstreamClient,
  type UpstreamSession,
} from '@gatehouse/mcp-upstream-client';
import type {
  InflightCallStore,
  InflightEntry,
  InflightWrite,
  SessionEventLog,
  SessionStore,
} from '@gatehouse/session-store';
import { gatehouseMetrics, McpAttributes, type Logger } from '@gatehouse/telemetry';
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCResultResponse,
  ProgressToken,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { InflightRegistry } from './inflight';
import type { AuditOutcome, AuditSink, CallDecision, UpstreamDirectory } from './ports';
import type { Relay, RelayContext, RelayedCall } from './relay';
import { ResponseStream, type CallNote, type EventLogger } from './response-stream';
import { targetOf } from './upstream-sessions';

/**
 * JSON-RPC code of the error a client gets for a call that was lost with its replica and could
 * not be resumed. -32000 is what Gatehouse answers for every upstream-side failure (the SDK's
 * ConnectionClosed): the connection the call ran on is gone. Not -32001 (the SDK reads it as a
 * request timeout) nor -32603 (an internal error of the gateway). `data.code` says which.
 */
export const CALL_LOST_CODE = JSON_RPC_ERROR_CODES.SERVER_ERROR;

/** What the replica relaying a call stores so that another one can finish it. */
export interface InflightCallRecord {
  v: 1;
  sessionId: string;
  streamId: string;
  clientRequestId: RequestId;
  method: string;
  tool?: string;
  /** The policy decision of the original replica (tools/call), for the taker's audit event. */
  decision?: { effect: CallDecision['effect']; matchedRules: string[] };
  slug: string;
  /** 'approval': the call was waiting for a person's approval; no upstream call exists yet. */
  kind?: 'approval';
  /** Absent while waiting for approval. */
  upstreamRequestId?: string;
  upstreamSessionId?: string;
  /** The upstream's SSE event id of the last relayed message: where its stream resumes. */
  upstreamEventId?: string;
  clientProgressToken?: ProgressToken;
  gatewayProgressToken?: string;
}

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

function isResponse(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return ('result' in message || 'error' in message) && 'id' in message && message.id != null;
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

  constructor(
    private readonly store: InflightCallStore,
    private readonly events: SessionEventLog,
    private readonly sessions: SessionStore,
    private readonly directory: UpstreamDirectory,
    private readonly client: UpstreamClient,
    private readonly relay: Relay,
    private readonly inflight: InflightRegistry,
    private readonly audit: AuditSink,
    private readonly logger: Logger,
    private readonly options: InflightTakeoverOptions,
  ) {}

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
    const started = performance.now();
    const timer = setTimeout(
      () => abort.abort(new Error('the upstream timeout passed')),
      this.options.callTimeoutMs,
    );
    let unregister = () => undefined as void;
    try {
      const session = await this.sessions.get(record.sessionId);
      if (!session) {
        await this.store.remove(field);
        return;
      }
      const stream = ResponseStream.loggingOnly(
        this.eventLogger(record.sessionId, record.streamId, [field]),
        this.forgetter(record.sessionId, record.streamId),
      );
      const respond = (message: JSONRPCMessage, outcome: AuditOutcome, errorCode?: number) => {
        stream.respond(message);
        gatehouseMetrics().callsTakenOver.add(1, {
          [McpAttributes.UPSTREAM]: record.slug,
          [McpAttributes.OUTCOME]: outcome,
        });
        this.audit
          .record({
            tenantId: session.tenantId,
            personId: session.personId,
            tokenId: session.tokenId,
            sessionId: session.id,
            method: record.method,
            upstream: record.slug,
            ...(record.tool !== undefined ? { tool: record.tool } : {}),
            ...(record.decision !== undefined
              ? { decision: record.decision.effect, matchedRules: record.decision.matchedRules }
              : {}),
            outcome,
            ...(errorCode !== undefined ? { errorCode } : {}),
            latencyMs: Math.round(performance.now() - started),
          })
          .catch((error: unknown) => this.logger.error({ err: error }, 'audit event lost'));
      };
      const lost = (
        reason: string,
        code = 'upstream_call_lost',
        message = `The upstream call was lost with the gateway replica relaying it (${reason}); retry the request`,
      ) =>
        respond(
          {
            jsonrpc: '2.0',
            id: record.clientRequestId,
            error: {
              code: CALL_LOST_CODE,
              message,
              data: { code, upstream: record.slug },
            },
          },
          'upstream_error',
          CALL_LOST_CODE,
        );

      const upstream = (await this.directory.listForTenant(session.tenantId)).find(
        (u) => u.slug === record.slug,
      );
      const base = session.upstreams[record.slug];
      if (record.kind === 'approval' || record.upstreamRequestId === undefined) {
        // Waiting for an approver is not resumable (the arguments are not kept here); the
        // approval expires on its own. A clear error lets the client call again.
        lost(
          'waiting for approval',
          'approval_wait_lost',
          'The call was waiting for approval when the gateway replica holding it was lost; call again (it will need a new approval)',
        );
      } else if (!upstream || !base) {
        lost('the upstream is no longer configured for this session');
      } else if (record.upstreamEventId === undefined) {
        lost('the upstream does not support resumable streams');
      } else {
        const state: UpstreamSession = {
          ...base,
          ...(record.upstreamSessionId !== undefined
            ? { sessionId: record.upstreamSessionId }
            : {}),
        };
        let cancelled = false;
        unregister = this.inflight.add(session.id, record.clientRequestId, {
          cancel: async () => {
            cancelled = true;
            abort.abort(new Error('cancelled by the client'));
            stream.end();
            stream.forget(record.clientRequestId);
            await this.client
              .notify(targetOf(upstream), state, {
                jsonrpc: '2.0',
                method: 'notifications/cancelled',
                params: { requestId: record.upstreamRequestId, reason: 'cancelled by the client' },
              })
              .catch(() => undefined);
          },
        });
        const { final, failure, busy } = await this.resumeUpstream(
          record,
          record.upstreamRequestId,
          session,
          upstream,
          state,
          stream,
          abort,
        );
        // Cancelled by the client: answered already. Shutting down: the entry stays, ours, and
        // our liveness key is deleted next, so another replica takes the call over.
        if (cancelled || this.stopped) return;
        if (busy) {
          // The upstream still streams this call to someone: the owner is not dead after all
          // (a pause longer than REPLICA_DEAD_AFTER_MS), or the upstream has not yet noticed its
          // connection is gone. Hand the entry back; a later sweep retries if it is still orphaned.
          await this.store.claim(field, this.replicaId, previousOwner);
          return;
        }
        if (final === undefined) {
          lost(failure);
        } else if ('error' in final) {
          respond(
            { jsonrpc: '2.0', id: record.clientRequestId, error: final.error },
            'upstream_error',
            final.error.code,
          );
        } else if ('result' in final) {
          respond({ jsonrpc: '2.0', id: record.clientRequestId, result: final.result }, 'ok');
        }
      }
      await stream.settled();
    } finally {
      clearTimeout(timer);
      unregister();
      this.running.delete(field);
    }
  }

  /** Reads the upstream's resumed stream; resolves with its response, or undefined if it never came. */
  private async resumeUpstream(
    record: InflightCallRecord,
    upstreamRequestId: string,
    session: RelayContext['session'],
    upstream: RelayContext['upstream'],
    state: UpstreamSession,
    stream: ResponseStream,
    abort: AbortController,
  ): Promise<{
    final?: JSONRPCResultResponse | JSONRPCErrorResponse;
    failure: string;
    busy?: boolean;
  }> {
    const ctx: RelayContext = {
      session,
      upstream,
      clientRequestId: record.clientRequestId,
      stream,
      signal: abort.signal,
    };
    const call: RelayedCall = {
      method: record.method,
      tool: record.tool,
      upstreamRequestId,
      clientProgressToken: record.clientProgressToken,
      gatewayProgressToken: record.gatewayProgressToken,
      state,
      upstreamEventId: record.upstreamEventId,
    };
    const done = new AbortController();
    abort.signal.addEventListener('abort', () => done.abort(abort.signal.reason), { once: true });
    let final: JSONRPCResultResponse | JSONRPCErrorResponse | undefined;
    let failure = 'the upstream stream ended without the response';
    try {
      const opened = await this.client.openGetStream(targetOf(upstream), state, {
        ...(record.upstreamEventId !== undefined ? { lastEventId: record.upstreamEventId } : {}),
        signal: done.signal,
        onMessage: async (message, eventId) => {
          if (final !== undefined) return;
          if (isResponse(message) && message.id === upstreamRequestId) {
            final = message as JSONRPCResultResponse | JSONRPCErrorResponse;
            done.abort(new Error('the response arrived'));
            return;
          }
          call.upstreamEventId = eventId ?? call.upstreamEventId;
          await this.relay.forward(ctx, message, call);
        },
      });
      if (opened.supported) await opened.done;
    } catch (error) {
      // 409: the upstream's stream for this call still has a live connection.
      if (isUpstreamError(error) && error.status === 409) return { failure: 'busy', busy: true };
      failure = `resuming the upstream stream failed: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.warn({ err: error, upstream: record.slug }, 'resuming the upstream call failed');
    }
    if (final === undefined && abort.signal.aborted)
      failure = String((abort.signal.reason as Error | undefined)?.message ?? 'aborted');
    return final === undefined ? { failure } : { final, failure };
  }
}

export type { CallNote };
