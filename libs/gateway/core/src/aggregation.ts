import {
  AggregateCursorError,
  decodeAggregateCursor,
  encodeAggregateCursor,
  isVerbatimGatewayName,
  JSON_RPC_ERROR_CODES,
  toGatewayName,
  type AggregateCursorPositions,
} from '@gatehouse/mcp-protocol';
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';
import { RpcError } from './rpc-error';

export type ListMethod =
  'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list';

export const LIST_SPEC: Record<
  ListMethod,
  { field: string; capability: keyof ServerCapabilities }
> = {
  'tools/list': { field: 'tools', capability: 'tools' },
  'prompts/list': { field: 'prompts', capability: 'prompts' },
  'resources/list': { field: 'resources', capability: 'resources' },
  'resources/templates/list': { field: 'resourceTemplates', capability: 'resources' },
};

export interface UpstreamPage {
  upstream: UpstreamConfig;
  items: Record<string, unknown>[];
  nextCursor: string | null;
}

/**
 * Where each upstream stands in an aggregated listing. Without a cursor every upstream starts
 * at its beginning; with one, upstreams it does not name (added since) are skipped.
 */
export function startPositions(
  upstreams: UpstreamConfig[],
  cursor: unknown,
): { upstream: UpstreamConfig; cursor: string | undefined }[] {
  if (cursor === undefined) return upstreams.map((upstream) => ({ upstream, cursor: undefined }));
  if (typeof cursor !== 'string') {
    throw new RpcError(
      JSON_RPC_ERROR_CODES.INVALID_PARAMS,
      'Invalid params: cursor must be a string',
    );
  }
  let positions: AggregateCursorPositions;
  try {
    positions = decodeAggregateCursor(cursor);
  } catch (error) {
    if (error instanceof AggregateCursorError) {
      throw new RpcError(JSON_RPC_ERROR_CODES.INVALID_PARAMS, error.message, { code: error.code });
    }
    throw error;
  }
  return upstreams.flatMap((upstream) => {
    const position = positions[upstream.slug];
    if (position === undefined || position === null) return [];
    return [{ upstream, cursor: position === '' ? undefined : position }];
  });
}

/** The client's next cursor: each upstream's own cursor, or null once it is exhausted. */
export function nextAggregateCursor(pages: UpstreamPage[]): string | undefined {
  const positions: AggregateCursorPositions = {};
  let more = false;
  for (const page of pages) {
    positions[page.upstream.slug] = page.nextCursor;
    if (page.nextCursor !== null) more = true;
  }
  return more ? encodeAggregateCursor(positions) : undefined;
}

/**
 * Gives a tool or prompt its aggregated name; names that had to be shortened are returned in
 * `renamed` so the caller can store the way back.
 */
export function prefixNames(
  slug: string,
  items: Record<string, unknown>[],
): { items: Record<string, unknown>[]; renamed: Record<string, string> } {
  const renamed: Record<string, string> = {};
  const out = items.map((item) => {
    const name = String(item['name']);
    const gatewayName = toGatewayName(slug, name);
    if (!isVerbatimGatewayName(slug, name)) renamed[gatewayName] = JSON.stringify({ slug, name });
    return { ...item, name: gatewayName };
  });
  return { items: out, renamed };
}

/** Turns an RFC 6570 URI template into a matcher (simple expansions only, which MCP uses). */
export function templateMatcher(uriTemplate: string): RegExp {
  const pattern = uriTemplate
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith('{') ? '[^/?#]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`);
}
