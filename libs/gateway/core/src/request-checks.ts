import { AuthError, hasScope, type Identity, type IdentityResolver } from '@gatehouse/auth';
import {
  parseJsonRpcBody,
  protocolVersionFromHeader,
  type JsonRpcBody,
} from '@gatehouse/mcp-protocol';
import type { SessionStore, SessionWithUpstreams } from '@gatehouse/session-store';
import { UNLIMITED, type CallLimiter } from './call-limits';
import { GatewayHttpError } from './gateway-error';
import { header, type McpHttpRequest } from './http-types';
import type { GatewaySettings } from './gateway-settings';
import { bearerChallenge, MCP_SCOPE } from './bearer-challenge';
import { OriginRules } from './origin-rules';

export const SESSION_HEADER = 'mcp-session-id';

/**
 * The checks every /mcp request passes before anything else: Origin (DNS rebinding), bearer
 * token and scope, body syntax, session id, protocol version and the session's owner.
 */
export class RequestChecks {
  private readonly originRules: OriginRules;

  constructor(
    private readonly settings: GatewaySettings,
    private readonly identities: IdentityResolver,
    private readonly sessions: SessionStore,
    private readonly limiter: CallLimiter = UNLIMITED,
  ) {
    this.originRules = new OriginRules(settings.origins);
  }

  parseBody(raw: string): JsonRpcBody {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new GatewayHttpError(
        'parse_error',
        `Parse error: ${error instanceof Error ? error.message : 'invalid JSON'}`,
      );
    }
    const body = parseJsonRpcBody(json);
    if (body.kind === 'invalid')
      throw new GatewayHttpError('invalid_request', body.error.error.message);
    return body;
  }

  origin(req: McpHttpRequest): void {
    const verdict = this.originRules.check({
      origin: header(req.headers, 'origin'),
      host: header(req.headers, 'host'),
      fetchMetadata:
        header(req.headers, 'sec-fetch-site') !== undefined ||
        header(req.headers, 'sec-fetch-mode') !== undefined,
    });
    if (verdict.ok) return;
    if (verdict.reason === 'host') {
      throw new GatewayHttpError(
        'host_not_allowed',
        `Forbidden: Host ${verdict.host || '(none)'} is not this gateway's`,
      );
    }
    throw new GatewayHttpError(
      'origin_not_allowed',
      `Forbidden: Origin ${verdict.origin} is not allowed`,
    );
  }

  async authenticate(req: McpHttpRequest): Promise<Identity> {
    const authorization = header(req.headers, 'authorization');
    const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!match?.[1]) {
      throw new GatewayHttpError(
        'unauthorized',
        'Unauthorized: a bearer token is required',
        bearerChallenge(this.metadataUrl(req)),
      );
    }
    let identity: Identity;
    try {
      identity = await this.identities.resolveBearer(match[1], req.tenantHint);
    } catch (error) {
      if (error instanceof AuthError) {
        throw new GatewayHttpError(
          'unauthorized',
          `Unauthorized: ${error.message}`,
          bearerChallenge(this.metadataUrl(req), 'invalid_token', error.message),
          error.code,
        );
      }
      throw error;
    }
    const tenant = req.tenantHint?.toLowerCase();
    if (tenant !== undefined && tenant !== identity.tenantId && tenant !== identity.tenantSlug) {
      throw new GatewayHttpError(
        'unauthorized',
        'Unauthorized: the token belongs to another tenant than the URL names',
        bearerChallenge(this.metadataUrl(req), 'invalid_token', 'token of another tenant'),
        'wrong_tenant',
      );
    }
    if (!hasScope(identity, MCP_SCOPE)) {
      throw new GatewayHttpError(
        'forbidden',
        `Forbidden: the token lacks the ${MCP_SCOPE} scope`,
        bearerChallenge(this.metadataUrl(req), 'insufficient_scope', `${MCP_SCOPE} required`),
        'insufficient_scope',
      );
    }
    await this.requestLimits(identity);
    return identity;
  }

  /** RFC 9728: a tenant URL's metadata lives at the well-known path plus that URL's path. */
  private metadataUrl(req: McpHttpRequest): string {
    return req.tenantHint === undefined
      ? this.settings.resourceMetadataUrl
      : `${this.settings.resourceMetadataUrl}/t/${encodeURIComponent(req.tenantHint)}/mcp`;
  }

  /** Request-rate limits of the caller (admin API limits with `appliesTo: requests`). */
  private async requestLimits(identity: Identity): Promise<void> {
    const refusal = await this.limiter.admitRequest(identity);
    if (!refusal) return;
    throw new GatewayHttpError(
      refusal.status === 429 ? 'rate_limited' : 'service_unavailable',
      refusal.message,
      { 'retry-after': String(refusal.retryAfterSeconds) },
    );
  }

  /** A session is not authentication: an id presented by anyone but its owner does not exist. */
  async loadSession(req: McpHttpRequest, identity: Identity): Promise<SessionWithUpstreams> {
    const id = header(req.headers, SESSION_HEADER);
    if (!id)
      throw new GatewayHttpError(
        'session_required',
        'Bad Request: Mcp-Session-Id header is required',
      );
    const version = protocolVersionFromHeader(req.headers['mcp-protocol-version']);
    if (!version.ok) throw new GatewayHttpError('invalid_protocol_version', version.message);
    const session = id.length <= 128 ? await this.sessions.get(id) : null;
    if (
      !session ||
      session.tenantId !== identity.tenantId ||
      session.personId !== identity.personId
    ) {
      throw new GatewayHttpError(
        'session_not_found',
        'Not Found: unknown or expired session; initialize a new one',
      );
    }
    if ((session.route.kind === 'upstream' ? session.route.slug : undefined) !== req.upstreamSlug) {
      throw new GatewayHttpError(
        'session_not_found',
        'Not Found: this session belongs to another endpoint',
      );
    }
    return session;
  }
}
