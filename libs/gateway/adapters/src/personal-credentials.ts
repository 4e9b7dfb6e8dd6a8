import type { SecretBox } from '@gatehouse/auth';
import type { UpstreamCredentialRepository } from '@gatehouse/data-access';
import type { UpstreamConfig } from '@gatehouse/gateway-core';
import type { Logger } from '@gatehouse/telemetry';
import { LastGoodCache } from './last-good-cache';
import { credentialHeaders } from './upstream-credentials';

/** One person's decrypted credentials: upstream id → headers, or `unreadable`. */
type OwnCredentials = Map<string, Record<string, string> | 'unreadable'>;

/**
 * The credentials people stored for per-person-secret upstreams, decrypted per replica and
 * cached per (tenant, person) like the upstream list: the tenant's config-changed message drops
 * them (the admin API publishes it when a credential is set or removed).
 */
export class PersonalCredentials {
  private readonly cache: LastGoodCache<OwnCredentials>;

  constructor(
    private readonly repository: UpstreamCredentialRepository,
    private readonly secrets: SecretBox,
    private readonly logger: Logger,
    maxAgeMs: number,
  ) {
    this.cache = new LastGoodCache({
      load: (key) => this.load(key),
      maxAgeMs,
      logger,
      staleWarning: "could not reload a person's upstream credentials; serving the last known",
    });
  }

  forPerson(tenantId: string, personId: string): Promise<OwnCredentials> {
    return this.cache.get(`${tenantId}/${personId}`);
  }

  forgetTenant(tenantId: string): void {
    this.cache.deleteWhere((key) => key.startsWith(`${tenantId}/`));
  }

  private async load(key: string): Promise<OwnCredentials> {
    const [tenantId = '', personId = ''] = key.split('/');
    const rows = await this.repository.listForPerson(tenantId, personId);
    const own: OwnCredentials = new Map();
    for (const row of rows) {
      try {
        own.set(row.upstreamId, credentialHeaders(this.secrets.open(row.secret)));
      } catch (error) {
        // Sealed with another key (a rotation without re-entry): the person must set it again.
        this.logger.error(
          { tenantId, personId, upstreamId: row.upstreamId, err: error },
          'cannot decrypt a personal upstream credential (was GATEHOUSE_ENCRYPTION_KEY changed?)',
        );
        own.set(row.upstreamId, 'unreadable');
      }
    }
    return own;
  }
}

/** The upstream as this person uses it: their own credential injected, or marked missing. */
export function withPersonalCredential(
  upstream: UpstreamConfig,
  personId: string,
  own: OwnCredentials,
): UpstreamConfig {
  if (upstream.credential?.mode !== 'per-person-secret') return upstream;
  const headers = own.get(upstream.id);
  if (headers === undefined || headers === 'unreadable') {
    const state = headers ?? 'missing';
    return { ...upstream, headers: {}, credential: { mode: 'per-person-secret', state, personId } };
  }
  return {
    ...upstream,
    headers,
    credential: { mode: 'per-person-secret', state: 'ready', personId },
  };
}
