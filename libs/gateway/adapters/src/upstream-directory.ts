import { BusChannels, type Bus } from '@gatehouse/bus';
import type { SecretBox } from '@gatehouse/auth';
import type { UpstreamRepository } from '@gatehouse/data-access';
import type { UpstreamConfig, UpstreamDirectory } from '@gatehouse/gateway-core';
import type { Logger } from '@gatehouse/telemetry';
import { z } from 'zod';
import { LastGoodCache } from './last-good-cache';

/** What an upstream's encrypted credentials decrypt to. */
export const UpstreamCredentialsSchema = z.strictObject({
  bearerToken: z.string().min(1).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).optional(),
});
export type UpstreamCredentials = z.infer<typeof UpstreamCredentialsSchema>;

/**
 * The tenant's upstreams, read from Postgres and cached per replica. A change published on the
 * bus drops the tenant's entry at once; `maxAgeMs` bounds staleness if a message is lost, and a
 * failed reload keeps serving the last good list (Postgres down must not stop tool calls).
 */
export class CachedUpstreamDirectory implements UpstreamDirectory {
  private readonly cache: LastGoodCache<UpstreamConfig[]>;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly repository: UpstreamRepository,
    private readonly secrets: SecretBox,
    private readonly logger: Logger,
    maxAgeMs = 30_000,
  ) {
    this.cache = new LastGoodCache({
      load: (tenantId) => this.load(tenantId),
      maxAgeMs,
      logger,
      staleWarning: 'could not reload upstreams; serving the last known list',
    });
  }

  async listen(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe(BusChannels.tenantConfigChanged, (message) => {
      const tenantId = (message as { tenantId?: unknown }).tenantId;
      if (typeof tenantId === 'string') this.cache.delete(tenantId);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  listForTenant(tenantId: string): Promise<UpstreamConfig[]> {
    return this.cache.get(tenantId);
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
