import { BusChannels, type Bus } from '@gatehouse/bus';
import type { SecretBox } from '@gatehouse/auth';
import type { UpstreamCredentialRepository, UpstreamRepository } from '@gatehouse/data-access';
import type { UpstreamConfig, UpstreamDirectory } from '@gatehouse/gateway-core';
import type { Logger } from '@gatehouse/telemetry';
import { LastGoodCache } from './last-good-cache';
import { PersonalCredentials, withPersonalCredential } from './personal-credentials';
import { credentialHeaders } from './upstream-credentials';

/**
 * The tenant's upstreams, read from Postgres and cached per replica. A change published on the
 * bus drops the tenant's entry at once; `maxAgeMs` bounds staleness if a message is lost, and a
 * failed reload keeps serving the last good list (Postgres down must not stop tool calls).
 * Per-person-secret upstreams get the asking person's own credential (PersonalCredentials), so
 * the list a person is served never carries another person's secret.
 */
export class CachedUpstreamDirectory implements UpstreamDirectory {
  private readonly cache: LastGoodCache<UpstreamConfig[]>;
  private readonly personal: PersonalCredentials;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly repository: UpstreamRepository,
    credentials: UpstreamCredentialRepository,
    private readonly secrets: SecretBox,
    private readonly logger: Logger,
    maxAgeMs = 30_000,
  ) {
    this.personal = new PersonalCredentials(credentials, secrets, logger, maxAgeMs);
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
      if (typeof tenantId !== 'string') return;
      this.cache.delete(tenantId);
      this.personal.forgetTenant(tenantId);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  async listForPerson(tenantId: string, personId: string): Promise<UpstreamConfig[]> {
    const upstreams = await this.cache.get(tenantId);
    if (!upstreams.some((u) => u.credential?.mode === 'per-person-secret')) return upstreams;
    const own = await this.personal.forPerson(tenantId, personId);
    return upstreams.map((u) => withPersonalCredential(u, personId, own));
  }

  private async load(tenantId: string): Promise<UpstreamConfig[]> {
    const rows = await this.repository.listEnabled(tenantId);
    const configs = rows.flatMap((row): UpstreamConfig[] => {
      const mode = row.authMode === 'per_person_secret' ? 'per-person-secret' : row.authMode;
      let headers: Record<string, string> = {};
      try {
        // Shared credentials serve only `shared` upstreams (the admin API refuses the others).
        if (mode === 'shared' && row.credentials)
          headers = credentialHeaders(this.secrets.open(row.credentials));
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
        credential: { mode, state: mode === 'shared' || mode === 'none' ? 'ready' : 'missing' },
      };
      if (row.timeoutMs !== null) config.timeoutMs = row.timeoutMs;
      return [config];
    });
    return configs;
  }
}
