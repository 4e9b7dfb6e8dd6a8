import { JSON_RPC_ERROR_CODES, splitGatewayName } from '@gatehouse/mcp-protocol';
import type { SessionStore } from '@gatehouse/session-store';
import { templateMatcher } from './aggregation';
import type { Call } from './call';
import type { CallContext } from './call-context';
import type { UpstreamConfig } from './ports';
import type { Relay } from './relay';
import { RpcError } from './rpc-error';

export interface ResolvedName {
  upstream: UpstreamConfig;
  name: string;
}

/**
 * Finds which upstream a request is for: by the prefix of a tool or prompt name, or by which
 * upstream listed a resource URI (or a template matching it).
 */
export class TargetResolver {
  constructor(
    private readonly sessions: SessionStore,
    private readonly relay: Relay,
  ) {}

  async byName(call: Call, gatewayName: unknown, kind: 'tool' | 'prompt'): Promise<ResolvedName> {
    const ctx = call.context;
    if (typeof gatewayName !== 'string' || gatewayName.length === 0) {
      throw new RpcError(
        JSON_RPC_ERROR_CODES.INVALID_PARAMS,
        `Invalid params: "name" must be a non-empty string`,
      );
    }
    if (ctx.session.route.kind === 'upstream') {
      return { upstream: this.only(ctx), name: gatewayName };
    }
    const split = splitGatewayName(gatewayName);
    let slug = split?.upstreamSlug;
    let name = split?.name;
    if (split?.mayBeHashed) {
      const stored = await this.sessions.getValue(ctx.session.id, 'names', gatewayName);
      if (stored) ({ slug, name } = JSON.parse(stored) as { slug: string; name: string });
    }
    const upstream = ctx.upstreams.find((u) => u.slug === slug);
    if (!upstream || name === undefined) {
      throw new RpcError(
        JSON_RPC_ERROR_CODES.INVALID_PARAMS,
        `Unknown ${kind}: ${gatewayName} (list them with ${kind}s/list)`,
        { code: `unknown_${kind}` },
      );
    }
    return { upstream, name };
  }

  async byUri(call: Call, uri: unknown): Promise<UpstreamConfig> {
    const ctx = call.context;
    if (typeof uri !== 'string' || uri.length === 0) {
      throw new RpcError(
        JSON_RPC_ERROR_CODES.INVALID_PARAMS,
        'Invalid params: "uri" must be a non-empty string',
      );
    }
    if (ctx.session.route.kind === 'upstream') return this.only(ctx);
    const listed = await this.sessions.getValue(ctx.session.id, 'resources', uri);
    const direct = ctx.upstreams.find((u) => u.slug === listed);
    if (direct) return direct;
    const candidates = ctx.upstreams.filter(
      (u) => ctx.session.upstreams[u.slug]?.capabilities.resources,
    );
    if (candidates.length === 1 && candidates[0]) return candidates[0];
    // Not listed (yet): ask each upstream's templates which one can expand to this URI.
    for (const upstream of candidates) {
      try {
        const result = await this.relay.call(
          call.sideRequestContext(upstream),
          'resources/templates/list',
          {},
        );
        const templates = Array.isArray(result['resourceTemplates'])
          ? result['resourceTemplates']
          : [];
        for (const t of templates as { uriTemplate?: unknown }[]) {
          if (typeof t.uriTemplate === 'string' && templateMatcher(t.uriTemplate).test(uri))
            return upstream;
        }
      } catch {
        // An upstream that cannot list templates simply is not a candidate.
      }
    }
    throw new RpcError(JSON_RPC_ERROR_CODES.RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, {
      uri,
    });
  }

  private only(ctx: CallContext): UpstreamConfig {
    const upstream = ctx.upstreams[0];
    if (!upstream) {
      throw new RpcError(
        JSON_RPC_ERROR_CODES.SERVER_ERROR,
        'This upstream is no longer available to you',
        {
          code: 'unknown_upstream',
        },
      );
    }
    return upstream;
  }
}
