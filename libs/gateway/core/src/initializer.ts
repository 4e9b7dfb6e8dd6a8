import { randomBytes } from 'node:crypto';
import { authOf } from './auth-of';
import type { Identity } from '@gatehouse/auth';
import {
  JSON_RPC_ERROR_CODES,
  jsonRpcError,
  negotiateProtocolVersion,
} from '@gatehouse/mcp-protocol';
import type { SessionRecord, SessionStore, SessionWithUpstreams } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import {
  InitializeRequestParamsSchema,
  type InitializeResult,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { combinedInstructions, unionCapabilities } from './capabilities';
import { GatewayHttpError } from './gateway-error';
import { header, type McpHttpRequest, type McpHttpResponse } from './http-types';
import type { GatewaySettings } from './gateway-settings';
import type { AuditSink, UpstreamDirectory } from './ports';
import { credentialReady, credentialRequiredError } from './upstream-credential-check';
import { reachableUpstreams, type UpstreamSessions } from './upstream-sessions';

/** Session ids: 192 random bits, base64url (visible ASCII, as the transport requires). */
export function newSessionId(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Starts a client session: negotiates the version, opens a session with every upstream the
 * caller may reach (in parallel; one that fails is left out and retried lazily later), and
 * offers the union of their capabilities.
 */
export class Initializer {
  constructor(
    private readonly settings: GatewaySettings,
    private readonly sessions: SessionStore,
    private readonly directory: UpstreamDirectory,
    private readonly upstreamSessions: UpstreamSessions,
    private readonly audit: AuditSink,
    private readonly logger: Logger,
  ) {}

  async initialize(
    req: McpHttpRequest,
    identity: Identity,
    request: JSONRPCRequest,
  ): Promise<McpHttpResponse> {
    const started = performance.now();
    const parsed = InitializeRequestParamsSchema.safeParse(request.params);
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      const detail = problem
        ? `${problem.path.join('.')}: ${problem.message}`
        : 'bad initialize params';
      return rpcErrorResponse(
        request,
        JSON_RPC_ERROR_CODES.INVALID_PARAMS,
        `Invalid params: ${detail}`,
      );
    }
    const params = parsed.data;
    const route: SessionRecord['route'] = req.upstreamSlug
      ? { kind: 'upstream', slug: req.upstreamSlug }
      : { kind: 'aggregate' };
    const upstreams = reachableUpstreams(
      await this.directory.listForPerson(identity.tenantId, identity.personId),
      identity,
      route,
    );
    if (route.kind === 'upstream' && upstreams.length === 0) {
      throw new GatewayHttpError(
        'unknown_upstream',
        `Not Found: no upstream "${route.slug}" is available to you`,
      );
    }

    const now = Date.now();
    const session: SessionWithUpstreams = {
      id: newSessionId(),
      tenantId: identity.tenantId,
      personId: identity.personId,
      tokenId: identity.tokenId,
      protocolVersion: negotiateProtocolVersion(params.protocolVersion),
      clientInfo: params.clientInfo,
      clientCapabilities: params.capabilities,
      route,
      createdAt: now,
      lastSeenAt: now,
      initialized: false,
      upstreams: {},
    };
    const { upstreams: _none, ...record } = session;
    await this.sessions.create(record, this.settings.sessionTtlSeconds);

    const only = route.kind === 'upstream' ? upstreams[0] : undefined;
    const noCredential = only && credentialRequiredError(only);
    if (noCredential) {
      await this.sessions.delete(session.id);
      return rpcErrorResponse(
        request,
        noCredential.rpcCode,
        noCredential.message,
        noCredential.data,
      );
    }
    await Promise.all(
      upstreams.filter(credentialReady).map((upstream) =>
        this.upstreamSessions.open(session, upstream, req.signal).catch((error: unknown) => {
          this.logger.warn(
            { upstream: upstream.slug, err: error },
            'upstream unavailable at initialize; will retry on use',
          );
        }),
      ),
    );
    if (route.kind === 'upstream' && Object.keys(session.upstreams).length === 0) {
      await this.sessions.delete(session.id);
      return rpcErrorResponse(
        request,
        JSON_RPC_ERROR_CODES.SERVER_ERROR,
        `Upstream "${route.slug}" is unreachable; try again later`,
        {
          code: 'upstream_unreachable',
        },
      );
    }

    const states = Object.values(session.upstreams);
    const result: InitializeResult = {
      protocolVersion: session.protocolVersion,
      capabilities:
        route.kind === 'upstream' ? unionCapabilities(states) : { ...unionCapabilities(states) },
      serverInfo:
        route.kind === 'upstream' && states[0] ? states[0].serverInfo : this.settings.serverInfo,
    };
    const instructions = combinedInstructions(session.upstreams);
    if (instructions) result.instructions = instructions;

    this.audit
      .record({
        tenantId: identity.tenantId,
        personId: identity.personId,
        tokenId: identity.tokenId,
        ...authOf(identity),
        sessionId: session.id,
        clientName: params.clientInfo.name,
        clientVersion: params.clientInfo.version,
        method: 'initialize',
        outcome: 'ok',
        latencyMs: Math.round(performance.now() - started),
        clientAddress: req.clientAddress,
        ...(header(req.headers, 'user-agent')
          ? { userAgent: header(req.headers, 'user-agent') }
          : {}),
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'audit event lost'));

    return {
      status: 200,
      headers: { 'mcp-session-id': session.id },
      body: { jsonrpc: '2.0', id: request.id, result },
    };
  }
}

/** A JSON-RPC error answer to the initialize request itself (HTTP 200, no session created). */
function rpcErrorResponse(
  request: JSONRPCRequest,
  code: number,
  message: string,
  data?: unknown,
): McpHttpResponse {
  return { status: 200, headers: {}, body: jsonRpcError(request.id, code, message, data) };
}
