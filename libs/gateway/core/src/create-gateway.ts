import type { IdentityResolver } from '@gatehouse/auth';
import type { Bus } from '@gatehouse/bus';
import type { UpstreamClient } from '@gatehouse/mcp-upstream-client';
import {
  InMemoryUpstreamEraStore,
  type InflightCallStore,
  type SessionEventLog,
  type SessionStore,
  type UpstreamEraStore,
} from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import { ApprovalStage } from './approval-stage';
import { CallPath } from './call-path';
import { CallRecorder } from './call-recorder';
import { InflightRegistry } from './inflight';
import { InflightTakeover, type InflightTakeoverOptions } from './inflight-takeover';
import { Initializer } from './initializer';
import { ListHandler } from './list-handler';
import type { GatewaySettings } from './gateway-settings';
import { McpGateway } from './mcp-gateway';
import type { ApprovalGate, AuditSink, ToolAccess, UpstreamDirectory } from './ports';
import { Relay } from './relay';
import { RequestChecks } from './request-checks';
import { ServerRequestRelay } from './server-requests';
import { GetStreamHub } from './get-stream-hub';
import { SessionDispatcher } from './session-dispatcher';
import { TargetResolver } from './target-resolver';
import type { CallLimiter } from './call-limits';
import { ToolCatalog } from './tool-catalog';
import { UpstreamSessions } from './upstream-sessions';
import { UpstreamEras } from './upstream-eras';
import { ModernCall } from './modern/modern-call';
import { ModernEdge } from './modern/modern-edge';
import { ModernListen } from './modern/modern-listen';
import { ModernTools } from './modern/modern-tools';
import { ModernUpstreams } from './modern/modern-upstreams';

export interface GatewayDependencies {
  settings: GatewaySettings;
  identities: IdentityResolver;
  sessions: SessionStore;
  events: SessionEventLog;
  directory: UpstreamDirectory;
  upstreamClient: UpstreamClient;
  toolAccess: ToolAccess;
  approvals: ApprovalGate;
  /** Rate limits, concurrency limits and quotas of tools/call (default: none). */
  limiter?: CallLimiter;
  audit: AuditSink;
  bus: Bus;
  logger: Logger;
  catalog?: ToolCatalog;
  /** Upstream era verdicts shared by the replicas (Redis); in memory when absent. */
  eras?: UpstreamEraStore;
  /** Shared in-flight call table (Redis): with it, calls of a dead replica are finished by another. */
  inflightCalls?: { store: InflightCallStore; options: InflightTakeoverOptions };
}

/** Wires the gateway's parts together; the Nest module and the tests both use this. */
export function createGateway(deps: GatewayDependencies): McpGateway {
  const { settings, sessions, upstreamClient, logger } = deps;
  const onUpstreamProblem = (slug: string, error: unknown) =>
    logger.warn({ upstream: slug, err: error }, 'upstream problem');
  const inflight = new InflightRegistry();
  const catalog = deps.catalog ?? new ToolCatalog();
  const eras = new UpstreamEras(
    upstreamClient,
    deps.eras ?? new InMemoryUpstreamEraStore(),
    settings.serverInfo,
    logger,
  );
  const upstreamSessions = new UpstreamSessions(upstreamClient, sessions, eras);
  const serverRequests = new ServerRequestRelay(
    upstreamClient,
    sessions,
    settings.sessionTtlSeconds,
    onUpstreamProblem,
  );
  const relay = new Relay(upstreamSessions, serverRequests);
  const hub = new GetStreamHub(
    upstreamClient,
    deps.events,
    serverRequests,
    catalog,
    deps.bus,
    logger,
    sessions,
    settings.sessionTtlSeconds,
  );
  const resolver = new TargetResolver(sessions, relay);
  const lists = new ListHandler(
    relay,
    sessions,
    deps.toolAccess,
    catalog,
    settings.sessionTtlSeconds,
    onUpstreamProblem,
  );
  const recorder = new CallRecorder(deps.audit, logger);
  const path = new CallPath(
    resolver,
    relay,
    lists,
    catalog,
    deps.toolAccess,
    new ApprovalStage(deps.approvals),
    onUpstreamProblem,
    deps.limiter,
  );
  const dispatcher = new SessionDispatcher(
    path,
    inflight,
    recorder,
    upstreamClient,
    sessions,
    deps.bus,
    logger,
  );
  const initializer = new Initializer(
    settings,
    sessions,
    deps.directory,
    upstreamSessions,
    deps.audit,
    logger,
  );
  const takeover =
    deps.inflightCalls &&
    new InflightTakeover(
      deps.inflightCalls.store,
      deps.events,
      sessions,
      deps.directory,
      upstreamClient,
      relay,
      inflight,
      recorder,
      logger,
      deps.inflightCalls.options,
    );
  const modernUpstreams = new ModernUpstreams(deps.directory, eras, upstreamClient);
  const modernTools = new ModernTools(upstreamClient, deps.toolAccess, catalog);
  const modern = new ModernEdge(
    settings.serverInfo,
    modernUpstreams,
    modernTools,
    new ModernCall(
      modernUpstreams,
      modernTools,
      upstreamClient,
      deps.toolAccess,
      deps.approvals,
      deps.audit,
      logger,
    ),
    new ModernListen(modernUpstreams, upstreamClient, logger),
    logger,
  );
  return new McpGateway(
    settings,
    new RequestChecks(settings, deps.identities, sessions, deps.limiter),
    sessions,
    deps.events,
    deps.directory,
    initializer,
    dispatcher,
    upstreamSessions,
    inflight,
    hub,
    deps.audit,
    deps.bus,
    logger,
    takeover,
    modern,
  );
}
