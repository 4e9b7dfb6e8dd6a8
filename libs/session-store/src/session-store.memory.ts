import {
  summarise,
  type SessionNamespace,
  type SessionPage,
  type SessionRecord,
  type SessionStore,
  type SessionWithUpstreams,
  type UpstreamSessionState,
} from './session';

interface Entry {
  record: SessionRecord;
  upstreams: Map<string, UpstreamSessionState>;
  values: Map<string, string>;
  expiresAt: number;
}

/** Single-process store for the embedded mode: the same contract as Redis, TTLs included. */
export class InMemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  async countLive(): Promise<number> {
    this.sweep();
    return this.entries.size;
  }

  private sweep(): void {
    for (const id of this.entries.keys()) this.live(id);
  }

  async create(record: SessionRecord, ttlSeconds: number): Promise<void> {
    this.entries.set(record.id, {
      record: structuredClone(record),
      upstreams: new Map(),
      values: new Map(),
      expiresAt: this.now() + ttlSeconds * 1000,
    });
  }

  async get(id: string): Promise<SessionWithUpstreams | null> {
    const entry = this.live(id);
    if (!entry) return null;
    return structuredClone({ ...entry.record, upstreams: Object.fromEntries(entry.upstreams) });
  }

  async touch(id: string, ttlSeconds: number): Promise<boolean> {
    const entry = this.live(id);
    if (!entry) return false;
    entry.record.lastSeenAt = this.now();
    entry.expiresAt = this.now() + ttlSeconds * 1000;
    return true;
  }

  async markInitialized(id: string): Promise<void> {
    const entry = this.live(id);
    if (entry) entry.record.initialized = true;
  }

  async setUpstream(id: string, slug: string, state: UpstreamSessionState): Promise<void> {
    this.live(id)?.upstreams.set(slug, structuredClone(state));
  }

  async removeUpstream(id: string, slug: string): Promise<void> {
    this.live(id)?.upstreams.delete(slug);
  }

  async putValues(
    id: string,
    namespace: SessionNamespace,
    entries: Record<string, string>,
  ): Promise<void> {
    const entry = this.live(id);
    if (!entry) return;
    for (const [key, value] of Object.entries(entries))
      entry.values.set(`${namespace}\0${key}`, value);
  }

  async getValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null> {
    return this.live(id)?.values.get(`${namespace}\0${key}`) ?? null;
  }

  async takeValue(id: string, namespace: SessionNamespace, key: string): Promise<string | null> {
    const values = this.live(id)?.values;
    const value = values?.get(`${namespace}\0${key}`) ?? null;
    values?.delete(`${namespace}\0${key}`);
    return value;
  }

  async delete(id: string): Promise<SessionWithUpstreams | null> {
    const existing = await this.get(id);
    this.entries.delete(id);
    return existing;
  }

  async listForTenant(tenantId: string, limit: number, cursor?: string): Promise<SessionPage> {
    this.sweep();
    const all = [...this.entries.values()]
      .filter((e) => e.record.tenantId === tenantId)
      .map((e) => e.record)
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt || a.id.localeCompare(b.id));
    const offset = cursor
      ? Number.parseInt(Buffer.from(cursor, 'base64url').toString(), 10) || 0
      : 0;
    const page = all.slice(offset, offset + limit);
    const next = offset + page.length;
    return {
      items: page.map(summarise),
      nextCursor: next < all.length ? Buffer.from(String(next)).toString('base64url') : null,
    };
  }

  async ping(): Promise<void> {
    // Always reachable.
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
