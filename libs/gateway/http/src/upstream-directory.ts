import { BusChannels, type Bus } from '@gatehouse/bus';
import type { SecretBox } from '@gatehouse/auth';
import type { UpstreamRepository } from '@gatehouse/data-access';
import type { UpstreamConfig, UpstreamDirectory } from '@gatehouse/gateway-core';
import type { Logger } from '@gatehouse/telemetry';
import { z } from 'zod';

/** What an upstream's encrypted credentials decrypt to. */
export const UpstreamCredentialsSchema = z.strictObject({
  bearerToken: z.string().min(1).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).optional(),
});
export type UpstreamCredentials = z.infer<typeof UpstreamCredentialsSchema>;

interface CacheEntry {
  at: number;
  upstreams: Promise<UpstreamConfig[]>;
}

/**
 * The tenant's upstreams, read from Postgres and cached per replica. A change published on the
 * bus drops the tenant's entry at once; `maxAgeMs` bounds staleness if a message is lost, and a
 * failed reload keeps serving the last good list (Postgres down must not stop tool calls).
 */
export class CachedUpstreamDirectory implements UpstreamDirectory {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lastGood = new Map<string, UpstreamConfig[]>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly repository: UpstreamRepository,
    private readonly secrets: SecretBox,
    private readonly logger: Logger,
    private readonly maxAgeMs = 30_000,
  ) {}

  async listen(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe(BusChannels.tenantConfigChanged, (message) => {
      const tenantId = (message as { tenantId?: unknown }).tenantId;
      if (typeof tenantId === 'string') this.cache.delete(tenantId);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  async listForTenant(tenantId: string): Promise<UpstreamConfig[]> {
    const cached = this.cache.get(tenantId);
    if (cached && Date.now() - cached.at < this.maxAgeMs) return cached.upstreams;
    // The fallback is part of the cached promise: concurrent callers that picked the promise
    // from the cache while the reload was failing get the last known list too, not the error.
    const upstreams = this.load(tenantId).catch((error: unknown) => {
      this.cache.delete(tenantId);
      const fallback = this.lastGood.get(tenantId);
      if (!fallback) throw error;
      this.logger.warn(
        { tenantId, err: error },
        'could not reload upstreams; serving the last known list',
      );
      return fallback;
    });
    this.cache.set(tenantId, { at: Date.now(), upstreams });
    return upstreams;
  }

  private async load(tenantId: string): Promise<UpstreamConfig[]> {
    const rows = await this.repository.listEnabled(tenantId);
    const configs = rows.flatMap((row): UpstreamConfig[] => {
      let headers: Record<string, string> = {};
      try {
        headers = row.credentials ? credentialHeaders(this.secrets.open(row.credentials)) : {};
      } catch (error) {
        this.logger.error(
          { tenantId, upstream: row.slug, err: error },
          'cannot decrypt upstream credentials: upstream left out (was GATEHOUSE_ENCRYPTION_KEY changed?)',
        );
        return [];
      }
      const config: UpstreamConfig = {
        id: row.id,
        tenantId: row.tenantId,
        slug: row.slug,
        name: row.name,
        url: row.url,
        headers,
        enabled: row.enabled,
        annotationsTrusted: row.annotationsTrusted,
      };
      if (row.timeoutMs !== null) config.timeoutMs = row.timeoutMs;
      return [config];
    });
    this.lastGood.set(tenantId, configs);
    return configs;
  }
}

export function credentialHeaders(plaintext: string): Record<string, string> {
  const credentials = UpstreamCredentialsSchema.parse(JSON.parse(plaintext));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(credentials.headers ?? {}))
    headers[name.toLowerCase()] = value;
  if (credentials.bearerToken) headers['authorization'] = `Bearer ${credentials.bearerToken}`;
  return headers;
}
