import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { authOf } from './auth-of';
import type { JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { CallContext } from './call-context';
import type { CallRecorder } from './call-recorder';
import type { InflightRegistry } from './inflight';
import type { InflightNote } from './inflight-record';
import type { AuditOutcome, CallDecision, GatewayAuditEvent, UpstreamConfig } from './ports';
import type { RelayContext } from './relay';
import { CallCancelled, CallFailure, RpcError } from './rpc-error';

export type CallOutcome =
  { result: Record<string, unknown> } | { error: RpcError; outcome: Exclude<AuditOutcome, 'ok'> };

/**
 * One client request inside a session, from dispatch to its audit event. Registered in the
 * in-flight registry as it is created, so a `notifications/cancelled` reaches it at every stage
 * (target resolution, policy, the wait for approval, the relay); it owns the abort controller
 * that cancellation fires. The stages record what they learn (target, arguments, decision,
 * approval id) on it, and `complete` writes the audit event, metrics and span attributes once.
 */
export class Call {
  readonly method: string;
  readonly requestId: RequestId;
  readonly params: Record<string, unknown>;
  private readonly startedAt = performance.now();
  private readonly abort = new AbortController();
  private readonly unregister: () => void;
  private completed = false;

  /** The upstream the call goes to, and its own name of the tool or prompt. */
  target: { upstream: UpstreamConfig; name?: string } | undefined;
  arguments: unknown;
  decision: CallDecision | undefined;
  approvalId: string | undefined;

  constructor(
    readonly context: CallContext,
    request: JSONRPCRequest,
    inflight: InflightRegistry,
    private readonly recorder: CallRecorder,
  ) {
    this.method = request.method;
    this.requestId = request.id;
    this.params = (request.params ?? {}) as Record<string, unknown>;
    this.unregister = inflight.add(context.session.id, request.id, {
      cancel: async (reason) => this.cancel(reason),
    });
  }

  /** Aborted when the client cancels the call. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get cancelled(): boolean {
    return this.abort.signal.reason instanceof CallCancelled;
  }

  /** The client gave up on this request: stop its work; it gets no answer (MCP cancellation). */
  private cancel(reason: string): void {
    this.abort.abort(new CallCancelled(reason));
    this.context.stream.end();
    this.context.stream.forget(this.requestId);
  }

  /** The error a stage throws once it notices the call was cancelled. */
  cancelledError(outcome: Exclude<AuditOutcome, 'ok'>): CallFailure {
    return new CallFailure(
      new RpcError(JSON_RPC_ERROR_CODES.REQUEST_TIMEOUT, 'Request cancelled by the client'),
      outcome,
    );
  }

  /** How the relay sends this call's request to an upstream on the client's behalf. */
  relayContext(upstream: UpstreamConfig): RelayContext {
    const ctx: RelayContext = {
      session: this.context.session,
      upstream,
      clientRequestId: this.requestId,
      stream: this.context.stream,
      signal: this.signal,
      headers: this.context.propagate,
    };
    if (this.decision) {
      ctx.decision = { effect: this.decision.effect, matchedRules: this.decision.matchedRules };
    }
    return ctx;
  }

  /** For requests the gateway makes itself while serving this call (lists, lookups). */
  sideRequestContext(upstream: UpstreamConfig): RelayContext {
    return {
      session: this.context.session,
      upstream,
      signal: this.signal,
      headers: this.context.propagate,
    };
  }

  /** What lets another replica answer the client while this call waits for an approver. */
  approvalNote(): InflightNote | undefined {
    if (!this.target || !this.decision) return undefined;
    const note: InflightNote = {
      clientRequestId: this.requestId,
      kind: 'approval',
      method: this.method,
      slug: this.target.upstream.slug,
      decision: { effect: this.decision.effect, matchedRules: this.decision.matchedRules },
    };
    if (this.target.name !== undefined) note.tool = this.target.name;
    return note;
  }

  /** Ends the call: leaves the registry, writes its audit event, metrics and span attributes. */
  complete(outcome: CallOutcome): void {
    if (this.completed) return;
    this.completed = true;
    this.unregister();
    if (this.method === 'ping') return;
    const { session, identity } = this.context;
    const event: GatewayAuditEvent = {
      tenantId: session.tenantId,
      personId: session.personId,
      tokenId: identity.tokenId,
      ...authOf(identity),
      sessionId: session.id,
      clientName: session.clientInfo.name,
      clientVersion: session.clientInfo.version,
      method: this.method,
      outcome: 'error' in outcome ? outcome.outcome : 'ok',
      latencyMs: Math.round(performance.now() - this.startedAt),
      clientAddress: this.context.clientAddress,
    };
    if (this.context.userAgent) event.userAgent = this.context.userAgent;
    if (this.target) event.upstream = this.target.upstream.slug;
    const credential = this.target?.upstream.credential;
    if (credential) event.details = { credential };
    if (this.target?.name !== undefined) event.tool = this.target.name;
    if (this.decision) {
      event.decision = this.decision.effect;
      event.matchedRules = this.decision.matchedRules;
    }
    if (this.approvalId !== undefined) event.approvalId = this.approvalId;
    if (this.arguments !== undefined) event.arguments = this.arguments;
    if ('error' in outcome) event.errorCode = outcome.error.rpcCode;
    else if (this.method === 'tools/call') event.resultSummary = summarize(outcome.result);
    this.recorder.record(event);
  }
}

/** What the audit trail keeps of a tool's result: never the content itself. */
function summarize(result: Record<string, unknown>): GatewayAuditEvent['resultSummary'] {
  const content = Array.isArray(result['content']) ? (result['content'] as unknown[]) : [];
  const types = content.flatMap((item) => {
    const type = (item as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? [type] : [];
  });
  return {
    isError: result['isError'] === true,
    contentTypes: [...new Set(types)],
    structured: result['structuredContent'] !== undefined,
  };
}
