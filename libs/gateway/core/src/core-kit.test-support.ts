import type { Identity } from '@gatehouse/auth';
import { InMemoryBus } from '@gatehouse/bus';
import { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import { InMemorySessionStore, type SessionWithUpstreams } from '@gatehouse/session-store';
import { createLogger } from '@gatehouse/telemetry';
import { startFixtureUpstream, type FixtureUpstream } from '@gatehouse/testing';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { Writable } from 'node:stream';
import { ApprovalStage } from './approval-stage';
import type { CallContext } from './call-context';
import { CallPath } from './call-path';
import { CallRecorder } from './call-recorder';
import { InflightRegistry } from './inflight';
import { ListHandler } from './list-handler';
import type {
  ApprovalGate,
  AuditSink,
  CallDecision,
  GatewayAuditEvent,
  ToolAccess,
  UpstreamConfig,
} from './ports';
import { Relay } from './relay';
import { ResponseStream } from './response-stream';
import { ServerRequestRelay } from './server-requests';
import { SessionDispatcher } from './session-dispatcher';
import { TargetResolver } from './target-resolver';
import { ToolCatalog } from './tool-catalog';
import { UpstreamSessions } from './upstream-sessions';

/** The audit events a test's gateway wrote. */
export class CollectedAudit implements AuditSink {
  readonly events: GatewayAuditEvent[] = [];
  async record(event: GatewayAuditEvent): Promise<void> {
    this.events.push(event);
  }
  async acceptsCalls(): Promise<boolean> {
    return true;
  }
}

/** Policy as a table: tool (or prompt) name → effect; anything else allowed. */
export class TableToolAccess implements ToolAccess {
  readonly effects = new Map<string, CallDecision['effect']>();
  failure: Error | undefined;
  async visibleTools(_identity: Identity, _upstream: UpstreamConfig, tools: never[]) {
    return tools;
  }
  async visiblePrompts(_identity: Identity, _upstream: UpstreamConfig, names: string[]) {
    return new Set(names);
  }
  async decide(context: { toolName: string }): Promise<CallDecision> {
    if (this.failure) throw this.failure;
    const effect = this.effects.get(context.toolName) ?? 'allow';
    return {
      effect,
      matchedRules: [`rule-${effect}`],
      reason: `table says ${effect}`,
      policyVersion: 1,
    };
  }
  decidePrompt(context: { toolName: string }): Promise<CallDecision> {
    return this.decide(context);
  }
}

/** An approver the test plays: each wait resolves when the test decides or the call is aborted. */
export class ScriptedApprovals implements ApprovalGate {
  waiting: ((outcome: 'approved' | 'denied') => void) | undefined;
  readonly aborted: boolean[] = [];
  async waitForApproval(
    _context: unknown,
    _decision: CallDecision,
    options: { signal: AbortSignal; onWaiting: (elapsedMs: number) => void },
  ) {
    options.onWaiting(0);
    const outcome = await new Promise<'approved' | 'denied' | 'timed_out'>((resolve) => {
      this.waiting = resolve;
      options.signal.addEventListener('abort', () => resolve('timed_out'), { once: true });
    });
    this.waiting = undefined;
    this.aborted.push(options.signal.aborted);
    return { approvalId: 'approval-1', outcome };
  }
}

export const IDENTITY: Identity = {
  tenantId: 't1',
  tenantSlug: 'acme',
  personId: 'p1',
  email: 'ada@example.com',
  roles: ['member'],
  tokenId: 'tok1',
  scopes: ['mcp:call'],
  via: 'token',
};

export function quietLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('core-spec', 'info', sink), lines };
}

/**
 * gateway-core's request path, wired by hand as createGateway does, against a real fixture
 * upstream over HTTP, with in-memory session store and bus, and policy and approvals the test
 * plays. No Nest, no Redis, no Postgres.
 */
export async function startCoreKit() {
  const alpha: FixtureUpstream = await startFixtureUpstream({ name: 'alpha' });
  const client = new UpstreamClient({ timeoutMs: 20_000, maxResponseBytes: 1_000_000 });
  const sessions = new InMemorySessionStore();
  const bus = new InMemoryBus();
  const audit = new CollectedAudit();
  const toolAccess = new TableToolAccess();
  const approvals = new ScriptedApprovals();
  const { logger, lines } = quietLogger();
  const noProblem = () => undefined;
  const inflight = new InflightRegistry();
  const catalog = new ToolCatalog();
  const upstreamSessions = new UpstreamSessions(client, sessions);
  const relay = new Relay(
    upstreamSessions,
    new ServerRequestRelay(client, sessions, 60, noProblem),
  );
  const resolver = new TargetResolver(sessions, relay);
  const lists = new ListHandler(relay, sessions, toolAccess, catalog, 60, noProblem);
  const path = new CallPath(
    resolver,
    relay,
    lists,
    catalog,
    toolAccess,
    new ApprovalStage(approvals),
    noProblem,
  );
  const dispatcher = new SessionDispatcher(
    path,
    inflight,
    new CallRecorder(audit, logger),
    client,
    sessions,
    bus,
    logger,
  );
  const upstream: UpstreamConfig = {
    id: 'u-alpha',
    tenantId: 't1',
    slug: 'alpha',
    name: 'Alpha',
    url: alpha.url,
    headers: {},
    enabled: true,
    annotationsTrusted: true,
  };
  const session: SessionWithUpstreams = {
    id: 's1',
    tenantId: 't1',
    personId: 'p1',
    tokenId: 'tok1',
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'spec-client', version: '1.0.0' },
    clientCapabilities: {},
    route: { kind: 'aggregate' },
    createdAt: Date.now(),
    lastSeenAt: Date.now(),
    initialized: true,
    upstreams: {},
  };
  await sessions.create(session, 60);
  let nextId = 1;
  const context = (stream = new ResponseStream(1, false)): CallContext => ({
    identity: IDENTITY,
    session,
    upstreams: [upstream],
    stream,
    propagate: {},
    clientAddress: '127.0.0.1',
    userAgent: 'spec',
  });
  return {
    alpha,
    client,
    relay,
    sessions,
    logger,
    bus,
    audit,
    toolAccess,
    approvals,
    inflight,
    resolver,
    dispatcher,
    session,
    upstream,
    lines,
    context,
    request: (method: string, params: Record<string, unknown> = {}): JSONRPCRequest => ({
      jsonrpc: '2.0',
      id: nextId++,
      method,
      params,
    }),
    async close() {
      await client.close();
      await alpha.close();
    },
  };
}

export type CoreKit = Awaited<ReturnType<typeof startCoreKit>>;
