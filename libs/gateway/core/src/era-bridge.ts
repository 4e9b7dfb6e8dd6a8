import type { SessionWithUpstreams } from '@gatehouse/session-store';
import type {
  JSONRPCErrorResponse,
  JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';

/** JSON-RPC code for an answer that only a cross-era bridge (issue 19) could relay. */
export const CROSS_ERA_UNSUPPORTED = -32603;

/**
 * The seam where issue 19's bridge slots in. Today a 2025 session gets a modern upstream's
 * results as they are (the extra `resultType`/`_meta` fields are harmless to 2025 clients),
 * except multi-round-trip answers (`input_required`, `task`), which a 2025 client cannot act on:
 * they become an error that names the upstream and the reason instead of a result it would
 * misread.
 */
export function crossEraResultError(
  session: Pick<SessionWithUpstreams, 'protocolVersion'>,
  upstream: Pick<UpstreamConfig, 'slug'>,
  response: JSONRPCResultResponse | JSONRPCErrorResponse,
): JSONRPCResultResponse | JSONRPCErrorResponse {
  if (!('result' in response) || session.protocolVersion >= '2026') return response;
  const resultType = response.result['resultType'];
  if (resultType === undefined || resultType === 'complete') return response;
  return {
    jsonrpc: '2.0',
    id: response.id,
    error: {
      code: CROSS_ERA_UNSUPPORTED,
      message: `Upstream "${upstream.slug}" answered with resultType "${String(resultType)}" (MCP 2026-07-28), which a ${session.protocolVersion} client cannot receive: it needs the cross-era bridge, not yet available`,
      data: { upstream: upstream.slug, resultType },
    },
  };
}
