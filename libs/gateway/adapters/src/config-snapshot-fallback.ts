import { GatewayHttpError } from '@gatehouse/gateway-core';
import type { Repositories } from '@gatehouse/data-access';
import type { RedisConfigSnapshotStore } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import { parseTenantConfigSnapshot, type TenantConfigSnapshot } from './config-snapshot';

/** A query problem, not an unreachable database: never answered from the snapshot. */
function isQueryError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (error as { name?: unknown } | null)?.name === 'DataAccessError' ||
    (typeof code === 'string' && /^P2\d{3}$/.test(code))
  );
}

/**
 * Answers the data plane's reads from the Redis config snapshot when Postgres does not
 * answer, as long as the snapshot is at most `maxAgeMs` old; older → 503 that says so.
 * Remembers the oldest snapshot it served lately, for /readyz and the age metric.
 */
export class ConfigSnapshotFallback {
  private readonly parsed = new Map<string, { at: number; snapshot: TenantConfigSnapshot }>();
  /** Age (ms) of the snapshot served most recently, and when; undefined: none served. */
  private lastServed: { at: number; ageMs: number; tenantId: string } | undefined;
  private lastWarnedAt = 0;

  constructor(
    private readonly store: RedisConfigSnapshotStore,
    private readonly logger: Logger,
    private readonly maxAgeMs: number,
  ) {}

  /** The snapshot age served within the last `withinMs`, for readiness and the metric. */
  servedLately(withinMs = 30_000): { ageMs: number; tenantId: string } | undefined {
    const last = this.lastServed;
    return last && Date.now() - last.at < withinMs ? last : undefined;
  }

  /** Runs `read` against Postgres; if Postgres does not answer, `fromSnapshot` instead. */
  async read<T>(read: () => Promise<T>, fromSnapshot: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (isQueryError(error)) throw error;
      // Once per 10 s: during an outage every cache miss comes here.
      if (Date.now() - this.lastWarnedAt >= 10_000) {
        this.lastWarnedAt = Date.now();
        this.logger.warn({ err: error }, 'Postgres did not answer: reading the config snapshot');
      }
      return fromSnapshot();
    }
  }

  /** The tenant's snapshot (by id or slug), or undefined when no snapshot knows it. */
  async tenant(idOrSlug: string): Promise<TenantConfigSnapshot | undefined> {
    const tenantId = await this.store.tenantOfIdOrSlug(idOrSlug);
    return tenantId === undefined ? undefined : this.load(tenantId);
  }

  async tenantOfToken(hash: string): Promise<TenantConfigSnapshot | undefined> {
    const tenantId = await this.store.tenantOfToken(hash);
    return tenantId === undefined ? undefined : this.load(tenantId);
  }

  async allTenants(): Promise<TenantConfigSnapshot[]> {
    const ids = await this.store.tenants();
    const all = await Promise.all(ids.map((id) => this.load(id)));
    return all.filter((s): s is TenantConfigSnapshot => s !== undefined);
  }

  private async load(tenantId: string): Promise<TenantConfigSnapshot | undefined> {
    const stored = await this.store.read(tenantId);
    if (!stored) return undefined;
    const ageMs = Date.now() - stored.takenAt;
    if (ageMs > this.maxAgeMs) {
      throw new GatewayHttpError(
        'service_unavailable',
        `Service Unavailable: Postgres does not answer and the configuration snapshot of this tenant is ${Math.round(ageMs / 1000)} s old, older than the ${Math.round(this.maxAgeMs / 1000)} s this gateway may serve (CONFIG_SNAPSHOT_MAX_AGE_MS); retry when Postgres is back`,
        {},
        'config_snapshot_too_old',
      );
    }
    this.lastServed = { at: Date.now(), ageMs, tenantId };
    // Parsed once per stored version: a busy outage re-reads Redis, not the JSON.
    const cached = this.parsed.get(tenantId);
    if (cached && cached.at === stored.version) return cached.snapshot;
    const snapshot = parseTenantConfigSnapshot(stored.body);
    this.parsed.set(tenantId, { at: stored.version, snapshot });
    return snapshot;
  }
}

/**
 * The gateway's repositories with the data plane's reads falling back to the snapshot. Writes
 * and every other read go to Postgres as before.
 */
export function withConfigSnapshotFallback(
  repos: Repositories,
  fallback: ConfigSnapshotFallback,
): Repositories {
  const { tokens, people, tenants, upstreams, policies, toolPins, limits } = repos;
  const f = fallback;
  return {
    ...repos,
    tokens: override(tokens, {
      findByHash: (hash) =>
        f.read(
          () => tokens.findByHash(hash),
          async () => (await f.tenantOfToken(hash))?.tokens.find((t) => t.hash === hash) ?? null,
        ),
    }),
    people: override(people, {
      findById: (tenantId, personId) =>
        f.read(
          () => people.findById(tenantId, personId),
          async () => (await f.tenant(tenantId))?.people.find((p) => p.id === personId) ?? null,
        ),
      findByEmail: (tenantId, email) =>
        f.read(
          () => people.findByEmail(tenantId, email),
          async () =>
            (await f.tenant(tenantId))?.people.find(
              (p) => p.email === email.trim().toLowerCase(),
            ) ?? null,
        ),
      findByEmailInActiveTenants: (email, limit = 10) =>
        f.read(
          () => people.findByEmailInActiveTenants(email, limit),
          async () =>
            (await f.allTenants())
              .filter((s) => s.tenant.status === 'active')
              .flatMap((s) =>
                s.people
                  .filter((p) => p.email === email.trim().toLowerCase())
                  .map((p) => ({ ...p, tenant: { id: s.tenant.id, slug: s.tenant.slug } })),
              )
              .sort((a, b) => a.id.localeCompare(b.id))
              .slice(0, limit),
        ),
    }),
    tenants: override(tenants, {
      findByIdOrSlug: (idOrSlug) =>
        f.read(
          () => tenants.findByIdOrSlug(idOrSlug),
          async () => (await f.tenant(idOrSlug))?.tenant ?? null,
        ),
    }),
    upstreams: override(upstreams, {
      listEnabled: (tenantId) =>
        f.read(
          () => upstreams.listEnabled(tenantId),
          async () => snapshotOf(await f.tenant(tenantId)).upstreams,
        ),
    }),
    policies: override(policies, {
      list: (tenantId) =>
        f.read(
          () => policies.list(tenantId),
          async () => snapshotOf(await f.tenant(tenantId)).policies,
        ),
    }),
    toolPins: override(toolPins, {
      listForUpstream: (tenantId, upstreamId) =>
        f.read(
          () => toolPins.listForUpstream(tenantId, upstreamId),
          async () =>
            snapshotOf(await f.tenant(tenantId)).toolPins.filter(
              (p) => p.upstreamId === upstreamId,
            ),
        ),
    }),
    limits: override(limits, {
      current: (tenantId) =>
        f.read(
          () => limits.current(tenantId),
          async () => snapshotOf(await f.tenant(tenantId)).limits,
        ),
    }),
  };
}

/** A tenant the snapshot does not know cannot be served without Postgres. */
function snapshotOf(snapshot: TenantConfigSnapshot | undefined): TenantConfigSnapshot {
  if (snapshot) return snapshot;
  throw new GatewayHttpError(
    'service_unavailable',
    'Service Unavailable: Postgres does not answer and no configuration snapshot holds this tenant; retry when Postgres is back',
    {},
    'config_snapshot_missing',
  );
}

/** The repository with some methods replaced; the rest still run on the original. */
function override<R extends object>(repository: R, methods: Partial<R>): R {
  return Object.assign(Object.create(repository) as R, methods);
}
