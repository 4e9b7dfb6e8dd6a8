import type { Upstream } from '@gatehouse/data-access';

/** An upstream as the API shows it: whether it has credentials, never what they are. */
export interface UpstreamView {
  id: string;
  tenantId: string;
  slug: string;
  name: string;
  url: string;
  enabled: boolean;
  hasCredentials: boolean;
  annotationsTrusted: boolean;
  timeoutMs: number | null;
  createdAt: string;
  updatedAt: string;
}

export function upstreamView(upstream: Upstream): UpstreamView {
  return {
    id: upstream.id,
    tenantId: upstream.tenantId,
    slug: upstream.slug,
    name: upstream.name,
    url: upstream.url,
    enabled: upstream.enabled,
    hasCredentials: upstream.credentials !== null,
    annotationsTrusted: upstream.annotationsTrusted,
    timeoutMs: upstream.timeoutMs,
    createdAt: upstream.createdAt.toISOString(),
    updatedAt: upstream.updatedAt.toISOString(),
  };
}
