/** The scope a caller needs for /mcp; advertised in challenges and resource metadata. */
export const MCP_SCOPE = 'mcp:call';

/**
 * `WWW-Authenticate` as the MCP authorization spec asks: the resource-metadata URL (RFC 9728)
 * and the scope to request on every challenge, and the RFC 6750 error when a token was sent.
 */
export function bearerChallenge(
  resourceMetadataUrl: string,
  error?: 'invalid_token' | 'insufficient_scope',
  description?: string,
): Record<string, string> {
  const params = [`resource_metadata="${resourceMetadataUrl}"`, `scope="${MCP_SCOPE}"`];
  if (error) params.push(`error="${error}"`);
  if (description) params.push(`error_description="${quotable(description)}"`);
  return { 'www-authenticate': `Bearer ${params.join(', ')}` };
}

/** A quoted-string (RFC 9110) cannot hold a bare double quote, a backslash or a control character. */
function quotable(text: string): string {
  return [...text]
    .map((c) => (c === '"' || c === '\\' || c.charCodeAt(0) < 0x20 ? "'" : c))
    .join('');
}
