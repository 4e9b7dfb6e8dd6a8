// The versions Gatehouse speaks on both sides. Narrower than the SDK's list on purpose: the
// 2024 revisions lack the Streamable HTTP transport the gateway depends on.
export const SUPPORTED_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'] as const;

export type SupportedProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];

export const LATEST_PROTOCOL_VERSION: SupportedProtocolVersion = '2025-11-25';

/** Assumed when a request after initialize carries no MCP-Protocol-Version header (spec rule). */
export const DEFAULT_NEGOTIATED_PROTOCOL_VERSION: SupportedProtocolVersion = '2025-03-26';

export function isSupportedProtocolVersion(value: unknown): value is SupportedProtocolVersion {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly unknown[]).includes(value);
}

/** Initialize negotiation: echo the client's version when we support it, else offer our latest. */
export function negotiateProtocolVersion(requested: unknown): SupportedProtocolVersion {
  return isSupportedProtocolVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

export type ProtocolVersionHeaderResult =
  { ok: true; version: SupportedProtocolVersion } | { ok: false; message: string };

/**
 * Reads the MCP-Protocol-Version header of a request after initialize: absent means
 * 2025-03-26, an unknown value is a 400 for the caller to send with the returned message.
 */
export function protocolVersionFromHeader(
  header: string | readonly string[] | undefined,
): ProtocolVersionHeaderResult {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') {
    return { ok: true, version: DEFAULT_NEGOTIATED_PROTOCOL_VERSION };
  }
  if (isSupportedProtocolVersion(value)) return { ok: true, version: value };
  return {
    ok: false,
    message: `Bad Request: unsupported MCP-Protocol-Version "${String(value)}" (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
  };
}

/** JSON-RPC batching was removed from MCP after 2025-03-26. */
export function batchesAllowed(version: SupportedProtocolVersion): boolean {
  return version === '2025-03-26';
}
