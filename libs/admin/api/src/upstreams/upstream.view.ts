import type { Upstream } from '@gatehouse/data-access';
import type { UpstreamEraRecord } from '@gatehouse/session-store';
import { apiAuthMode } from './upstream-auth-mode';
import type { UpstreamAuthModeDto } from './upstream.dto';

/**
 * What the gateway last learnt about the upstream's protocol: the era it detected (`modern`
 * = MCP 2026-07-28, `legacy` = the 2025 handshake), and, when the last probe or handshake failed,
 * `healthy: false` with the error. null: no gateway has talked to it yet (or long ago).
 */
export interface UpstreamProtocolView {
  era: 'modern' | 'legacy' | 'unknown';
  healthy: boolean;
  checkedAt: string;
  detail?: string;
  lastError?: string;
}

/** An upstream as the API shows it: whether it has credentials, never what they are. */
export interface UpstreamView {
  id: string;
  tenantId: string;
  slug: string;
  name: string;
  url: string;
  enabled: boolean;
  authMode: UpstreamAuthModeDto;
  hasCredentials: boolean;
  annotationsTrusted: boolean;
  timeoutMs: number | null;
  createdAt: string;
  updatedAt: string;
  protocol: UpstreamProtocolView | null;
}

export function upstreamView(upstream: Upstream, era?: UpstreamEraRecord): UpstreamView {
  return {
    id: upstream.id,
    tenantId: upstream.tenantId,
    slug: upstream.slug,
    name: upstream.name,
    url: upstream.url,
    enabled: upstream.enabled,
    authMode: apiAuthMode(upstream.authMode),
    hasCredentials: upstream.credentials !== null,
    annotationsTrusted: upstream.annotationsTrusted,
    timeoutMs: upstream.timeoutMs,
    createdAt: upstream.createdAt.toISOString(),
    updatedAt: upstream.updatedAt.toISOString(),
    protocol: era
      ? {
          era: era.era,
          healthy: era.era !== 'unknown',
          checkedAt: era.checkedAt,
          ...(era.detail !== undefined ? { detail: era.detail } : {}),
          ...(era.lastError !== undefined ? { lastError: era.lastError } : {}),
        }
      : null,
  };
}
