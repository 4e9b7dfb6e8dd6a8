import { BusChannels, type Bus } from '@gatehouse/bus';
import type { Repositories } from '@gatehouse/data-access';
import type { RedisConfigSnapshotStore } from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import { readTenantConfig } from './config-snapshot';

export interface ConfigSnapshotWriterOptions {
  /** Each tenant's snapshot is rewritten at least this often (CONFIG_SNAPSHOT_REFRESH_MS). */
  refreshMs: number;
  /** Changes to one tenant arriving within this window make one rewrite. */
  debounceMs?: number;
}

/**
 * Keeps every tenant's config snapshot in Redis current: on each config change or token
 * invalidation announced on the bus, and every `refreshMs` for every active tenant (a
 * replica skips a tenant whose snapshot another replica refreshed within half the period).
 * A write is kept only if its Postgres read started after the stored one's (versions).
 */
export class ConfigSnapshotWriter {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: (() => Promise<void>)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly repos: Repositories,
    private readonly store: RedisConfigSnapshotStore,
    private readonly logger: Logger,
    private readonly options: ConfigSnapshotWriterOptions,
  ) {}

  async start(bus: Bus): Promise<void> {
    const onChange = (message: unknown) => {
      const tenantId = (message as { tenantId?: unknown } | null)?.tenantId;
      if (typeof tenantId === 'string') this.schedule(tenantId);
      // A token or person invalidation may name no tenant: refresh them all.
      else void this.refreshAll(0);
    };
    this.unsubscribe.push(
      await bus.subscribe(BusChannels.tenantConfigChanged, onChange),
      await bus.subscribe(BusChannels.tokenInvalidated, onChange),
      await bus.subscribe(BusChannels.configSnapshotStale, onChange),
    );
    void this.refreshAll(this.options.refreshMs / 2);
    this.timer = setInterval(
      () => void this.refreshAll(this.options.refreshMs / 2),
      this.options.refreshMs,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const timeout of this.pending.values()) clearTimeout(timeout);
    this.pending.clear();
    for (const stop of this.unsubscribe) await stop();
  }

  private schedule(tenantId: string): void {
    if (this.stopped || this.pending.has(tenantId)) return;
    const timeout = setTimeout(() => {
      this.pending.delete(tenantId);
      void this.refresh(tenantId);
    }, this.options.debounceMs ?? 100);
    timeout.unref();
    this.pending.set(tenantId, timeout);
  }

  /** Rewrites every tenant's snapshot older than `unlessFresherThanMs`. */
  async refreshAll(unlessFresherThanMs: number): Promise<void> {
    let tenantIds: string[];
    try {
      tenantIds = await this.allTenantIds();
    } catch (error) {
      this.logger.warn({ err: error }, 'config snapshot: cannot list tenants (Postgres?)');
      return;
    }
    for (const tenantId of tenantIds) {
      if (this.stopped) return;
      const takenAt = await this.store.takenAt(tenantId).catch(() => undefined);
      if (takenAt !== undefined && Date.now() - takenAt < unlessFresherThanMs) continue;
      await this.refresh(tenantId);
    }
  }

  /** Reads the tenant from Postgres and writes its snapshot; true when written. */
  async refresh(tenantId: string): Promise<boolean> {
    try {
      const version = await this.store.nextVersion(tenantId);
      const takenAt = Date.now();
      const config = await readTenantConfig(this.repos, tenantId);
      if (!config) return false;
      return await this.store.write(
        { tenantId: config.tenant.id, version, takenAt, body: JSON.stringify(config) },
        { tenantSlug: config.tenant.slug, tokenHashes: config.tokens.map((t) => t.hash) },
      );
    } catch (error) {
      // Postgres or Redis away: the stored snapshot stays as it was, its age tells the rest.
      this.logger.warn({ err: error, tenantId }, 'config snapshot: refresh failed');
      return false;
    }
  }

  private async allTenantIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.repos.tenants.list({
        limit: 100,
        ...(cursor === undefined ? {} : { cursor }),
      });
      ids.push(...page.items.map((tenant) => tenant.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return ids;
  }
}
