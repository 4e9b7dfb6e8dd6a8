import type { Tool } from '@modelcontextprotocol/sdk/types.js';

interface Entry {
  tools: Map<string, Tool>;
  fetchedAt: number;
}

/**
 * The tool definitions each upstream last listed, per replica. Policy needs a tool's annotations
 * to rule on a call; re-listing the upstream for every call would double its traffic.
 */
export class ToolCatalog {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private key(tenantId: string, slug: string): string {
    return `${tenantId}\u0000${slug}`;
  }

  /** Records one page of a listing; `fresh` starts a new listing (first page). */
  remember(tenantId: string, slug: string, tools: Tool[], fresh: boolean): void {
    const key = this.key(tenantId, slug);
    const existing = this.entries.get(key);
    const entry =
      fresh || !existing ? { tools: new Map<string, Tool>(), fetchedAt: this.now() } : existing;
    for (const tool of tools) entry.tools.set(tool.name, tool);
    this.entries.set(key, entry);
  }

  lookup(tenantId: string, slug: string, name: string): Tool | undefined | 'stale' {
    const entry = this.entries.get(this.key(tenantId, slug));
    if (!entry || this.now() - entry.fetchedAt > this.maxAgeMs) return 'stale';
    return entry.tools.get(name);
  }

  forget(tenantId: string, slug?: string): void {
    for (const key of this.entries.keys()) {
      if (key.startsWith(slug === undefined ? `${tenantId}\u0000` : this.key(tenantId, slug))) {
        this.entries.delete(key);
      }
    }
  }
}
