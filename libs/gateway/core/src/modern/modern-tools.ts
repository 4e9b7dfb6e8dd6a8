import type { Identity } from '@gatehouse/auth';
import { splitGatewayName, toGatewayName } from '@gatehouse/mcp-protocol';
import {
  paramHeaders,
  type UpstreamClient,
  type UpstreamSession,
} from '@gatehouse/mcp-upstream-client';
import type { JSONRPCMessage, JSONRPCRequest, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolAccess, UpstreamConfig } from '../ports';
import { targetOf } from '../upstream-sessions';
import type { ToolCatalog } from '../tool-catalog';
import type { ServableUpstream } from './modern-upstreams';

/** How many pages of one upstream's tools a modern list follows. */
const MAX_PAGES = 20;

export interface ModernListing {
  tools: Tool[];
  /** The smallest `ttlMs` an upstream gave (0 when one gave none). */
  ttlMs: number;
}

/**
 * tools/list and the tool lookups of tools/call for modern clients, with no session: names are
 * prefixed (`slug__tool`) on /mcp, kept on /mcp/:upstream, filtered by the caller's policy and
 * ordered by name, so two replicas answer the same list the same way.
 */
export class ModernTools {
  constructor(
    private readonly client: UpstreamClient,
    private readonly toolAccess: ToolAccess,
    private readonly catalog: ToolCatalog,
  ) {}

  async list(
    identity: Identity,
    upstreams: ServableUpstream[],
    prefixed: boolean,
    request: Pick<JSONRPCRequest, 'id'>,
    ctx: { signal: AbortSignal; headers: Record<string, string> },
    onProblem: (upstream: UpstreamConfig, error: unknown) => void,
  ): Promise<ModernListing> {
    const ttls: number[] = [];
    const lists = await Promise.all(
      upstreams.map(async ({ upstream, state }) => {
        try {
          const { tools, ttlMs } = await this.fetchAll(upstream, state, request, ctx);
          ttls.push(ttlMs);
          this.catalog.remember(identity.tenantId, upstream.slug, tools, true);
          const visible = await this.toolAccess.visibleTools(identity, upstream, tools);
          return prefixed
            ? visible.map((tool) => ({ ...tool, name: toGatewayName(upstream.slug, tool.name) }))
            : visible;
        } catch (error) {
          if (!prefixed) throw error;
          onProblem(upstream, error);
          return [];
        }
      }),
    );
    const tools = lists.flat().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { tools, ttlMs: ttls.length === 0 ? 0 : Math.min(...ttls) };
  }

  /** The upstream and its own tool name for a name the client sent; undefined if unknown. */
  async resolve(
    identity: Identity,
    upstreams: ServableUpstream[],
    name: string,
    prefixed: boolean,
    request: Pick<JSONRPCRequest, 'id'>,
    ctx: { signal: AbortSignal; headers: Record<string, string> },
  ): Promise<{ target: ServableUpstream; toolName: string; tool: Tool | undefined } | undefined> {
    if (!prefixed) {
      const target = upstreams[0];
      if (!target) return undefined;
      return {
        target,
        toolName: name,
        tool: await this.tool(identity, target, name, request, ctx),
      };
    }
    const split = splitGatewayName(name);
    const target = split && upstreams.find((u) => u.upstream.slug === split.upstreamSlug);
    if (!split || !target) return undefined;
    if (!split.mayBeHashed) {
      return {
        target,
        toolName: split.name,
        tool: await this.tool(identity, target, split.name, request, ctx),
      };
    }
    // A shortened name cannot be reversed: find the tool whose aggregated name it is.
    const { tools } = await this.fetchAll(target.upstream, target.state, request, ctx);
    const tool = tools.find((t) => toGatewayName(target.upstream.slug, t.name) === name);
    return tool
      ? { target, toolName: tool.name, tool }
      : { target, toolName: split.name, tool: undefined };
  }

  /** `Mcp-Param-*` headers the tool's `x-mcp-header` annotations ask for. */
  paramHeaders(tool: Tool | undefined, args: Record<string, unknown>): Record<string, string> {
    return paramHeaders(tool?.inputSchema, args);
  }

  private async tool(
    identity: Identity,
    target: ServableUpstream,
    name: string,
    request: Pick<JSONRPCRequest, 'id'>,
    ctx: { signal: AbortSignal; headers: Record<string, string> },
  ): Promise<Tool | undefined> {
    const known = this.catalog.lookup(identity.tenantId, target.upstream.slug, name);
    if (known !== 'stale') return known;
    const { tools } = await this.fetchAll(target.upstream, target.state, request, ctx);
    this.catalog.remember(identity.tenantId, target.upstream.slug, tools, true);
    return tools.find((t) => t.name === name);
  }

  private async fetchAll(
    upstream: UpstreamConfig,
    state: UpstreamSession,
    request: Pick<JSONRPCRequest, 'id'>,
    ctx: { signal: AbortSignal; headers: Record<string, string> },
  ): Promise<{ tools: Tool[]; ttlMs: number }> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    let ttlMs = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await this.client.request(
        targetOf(upstream),
        state,
        {
          jsonrpc: '2.0',
          id: `${String(request.id)}:${upstream.slug}:${page}`,
          method: 'tools/list',
          params: cursor === undefined ? {} : { cursor },
        },
        { signal: ctx.signal, headers: ctx.headers },
      );
      if ('error' in response) throw new Error(`tools/list failed: ${response.error.message}`);
      const result = response.result as { tools?: Tool[]; nextCursor?: string; ttlMs?: number };
      tools.push(...(result.tools ?? []));
      if (page === 0) ttlMs = typeof result.ttlMs === 'number' ? result.ttlMs : 0;
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return { tools, ttlMs };
  }
}

export type ProgressSink = (message: JSONRPCMessage) => void;
