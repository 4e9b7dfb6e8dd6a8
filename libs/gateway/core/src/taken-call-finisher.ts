import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import {
  isUpstreamError,
  type UpstreamClient,
  type UpstreamSession,
} from '@gatehouse/mcp-upstream-client';
import type { SessionStore } from '@gatehouse/session-store';
import { gatehouseMetrics, McpAttributes, type Logger } from '@gatehouse/telemetry';
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCResultResponse,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { InflightRegistry } from './inflight';
import type { InflightCallRecord } from './inflight-record';
import type { CallRecorder } from './call-recorder';
import type { AuditOutcome, UpstreamDirectory } from './ports';
import type { Relay, RelayContext, RelayedCall } from './relay';
import type { ResponseStream } from './response-stream';
import { targetOf } from './upstream-sessions';

/**
 * JSON-RPC code of the error a client gets for a call that was lost with its replica and could
 * not be resumed. -32000 is what Gatehouse answers for every upstream-side failure (the SDK's
 * ConnectionClosed): the connection the call ran on is gone. Not -32001 (the SDK reads it as a
 * request timeout) nor -32603 (an internal error of the gateway). `data.code` says which.
 */
export const CALL_LOST_CODE = JSON_RPC_ERROR_CODES.SERVER_ERROR;

/** One call this replica has claimed, and what its claim lets the finisher do with the entry. */
export interface TakenCall {
  record: InflightCallRecord;
  /** Aborted at the upstream timeout, on the client's cancellation and at shutdown. */
  abort: AbortController;
  /** The logging-only stream of the answer; its events keep the entry current, then delete it. */
  stream(): ResponseStream;
  /** Deletes the entry (the call's session is gone). */
  remove(): Promise<void>;
  /** Gives the entry back to the replica it was taken from. */
  handBack(): Promise<boolean>;
  /** True once this replica shuts down: the call is left, unanswered, for another replica. */
  abandoned(): boolean;
}

export function isResponse(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } {
  return ('result' in message || 'error' in message) && 'id' in message && message.id != null;
}

/**
 * Finishes one call that InflightTakeover claimed from a dead replica: loads its session and
 * upstream, registers it for cancellation, reopens the upstream's stream with GET +
 * `Last-Event-ID` and relays the rest (Relay.forward) into the session's event log, then logs
 * the upstream's response as the client's, or a CALL_LOST_CODE error where the call cannot be
 * resumed, and writes the audit event the dead replica never wrote.
 */
export class TakenCallFinisher {
  constructor(
    private readonly sessions: SessionStore,
    private readonly directory: UpstreamDirectory,
    private readonly client: UpstreamClient,
    private readonly relay: Relay,
    private readonly inflight: InflightRegistry,
    private readonly recorder: CallRecorder,
    private readonly logger: Logger,
    /** Longest a taken-over call may still run (the upstream timeout). */
    private readonly callTimeoutMs: number,
  ) {}

  async finish(call: TakenCall): Promise<void> {
    const { record, abort } = call;
    const started = performance.now();
    const timer = setTimeout(
      () => abort.abort(new Error('the upstream timeout passed')),
      this.callTimeoutMs,
    );
    let unregister = () => undefined as void;
    try {
      const session = await this.sessions.get(record.sessionId);
      if (!session) {
        await call.remove();
        return;
      }
      const stream = call.stream();
      const respond = (message: JSONRPCMessage, outcome: AuditOutcome, errorCode?: number) => {
        stream.respond(message);
        gatehouseMetrics().callsTakenOver.add(1, {
          [McpAttributes.UPSTREAM]: record.slug,
          [McpAttributes.OUTCOME]: outcome,
        });
        // The audit event the dead replica never wrote, as for any call answered here.
        this.recorder.record({
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
        });
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

      const upstream = (
        await this.directory.listForPerson(session.tenantId, session.personId)
      ).find((u) => u.slug === record.slug);
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
        if (cancelled || call.abandoned()) return;
        if (busy) {
          // The upstream still streams this call to someone: the owner is not dead after all
          // (a pause longer than REPLICA_DEAD_AFTER_MS), or the upstream has not yet noticed its
          // connection is gone. Hand the entry back; a later sweep retries if it is still orphaned.
          await call.handBack();
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
