import { BusChannels, type Bus } from '@gatehouse/bus';
import { LRUCache } from 'lru-cache';
import { AuthError, ROLES, type Identity, type IdentityResolver, type Role } from './identity';
import { hashToken, isWellFormedToken } from './token-format';

/** A stored token with its owner, as the data layer returns it for a hash. */
export interface TokenWithOwner {
  token: {
    id: string;
    tenantId: string;
    personId: string;
    scopes: string[];
    expiresAt: Date | null;
    revokedAt: Date | null;
  };
  person: { id: string; email: string; roles: string[]; status: string };
  tenant: { id: string; slug: string; status: string };
}

export interface TokenInvalidation {
  tokenId?: string;
  personId?: string;
  tenantId?: string;
}

interface CacheEntry {
  record: TokenWithOwner;
  fetchedAt: number;
}

export interface TokenResolverOptions {
  /** Upper bound on how long a cached token is trusted if an invalidation message is lost. */
  maxAgeMs?: number;
  /**
   * How long past `maxAgeMs` a cached token is still served when re-reading it fails (database
   * unreachable): tool calls go on through a Postgres outage. Revocations still apply at once
   * (they arrive on the bus, which is Redis); a token unknown to this replica still fails.
   */
  maxStaleMs?: number;
  /** How often last-used is written for one token. */
  touchEveryMs?: number;
  /** Tokens kept at most per replica; the least recently used go first (default 50,000). */
  maxEntries?: number;
  now?: () => number;
  /** Told of every lookup, for the cache hit-ratio metric. */
  onLookup?: (result: 'hit' | 'miss' | 'stale') => void;
}

/**
 * Resolves `gth_` tokens by their SHA-256 hash, cached per replica. Revoking a token, disabling
 * a person or a tenant publishes an invalidation on the bus, so every replica drops its cached
 * copy at once; `maxAgeMs` bounds the damage if a message is ever lost.
 */
export class TokenIdentityResolver implements IdentityResolver {
  private readonly cache: LRUCache<string, CacheEntry>;
  private readonly lastTouched: LRUCache<string, number>;
  private readonly maxAgeMs: number;
  private readonly maxStaleMs: number;
  private readonly touchEveryMs: number;
  private readonly now: () => number;
  private readonly onLookup: (result: 'hit' | 'miss' | 'stale') => void;
  private unsubscribe: (() => Promise<void>) | undefined;
  hits = 0;
  misses = 0;

  constructor(
    private readonly findByHash: (hash: string) => Promise<TokenWithOwner | null>,
    private readonly touch: (tenantId: string, tokenId: string) => Promise<void>,
    options: TokenResolverOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
    this.maxStaleMs = options.maxStaleMs ?? 15 * 60_000;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.onLookup = options.onLookup ?? (() => undefined);
    // Bounded: every distinct token presented would otherwise stay in memory for good. The
    // freshness and stale windows are kept here (fetchedAt), not as lru-cache TTLs: a stale
    // entry is served only when the database read fails, and only for maxStaleMs.
    const max = options.maxEntries ?? 50_000;
    this.cache = new LRUCache({ max });
    this.lastTouched = new LRUCache({ max });
  }

  async listen(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe(BusChannels.tokenInvalidated, (message) =>
      this.invalidate(message as TokenInvalidation),
    );
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  invalidate(what: TokenInvalidation): void {
    for (const [hash, entry] of [...this.cache.entries()]) {
      const t = entry.record.token;
      if (
        (what.tokenId && t.id === what.tokenId) ||
        (what.personId && t.personId === what.personId) ||
        (what.tenantId && t.tenantId === what.tenantId)
      ) {
        this.cache.delete(hash);
      }
    }
  }

  async resolveBearer(credential: string): Promise<Identity> {
    if (!isWellFormedToken(credential)) {
      throw new AuthError('malformed_token', 'the token is not a well-formed Gatehouse token');
    }
    const hash = hashToken(credential);
    const record = await this.lookup(hash);
    if (!record) throw new AuthError('unknown_token', 'the token is not known');
    const { token, person, tenant } = record;
    if (token.revokedAt) throw new AuthError('revoked_token', 'the token has been revoked');
    if (token.expiresAt && token.expiresAt.getTime() <= this.now())
      throw new AuthError('expired_token', 'the token has expired');
    if (person.status !== 'active')
      throw new AuthError('disabled_person', 'the token owner is disabled');
    if (tenant.status !== 'active')
      throw new AuthError('disabled_tenant', 'the tenant is disabled');
    this.touchThrottled(token.tenantId, token.id);
    return {
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      personId: person.id,
      email: person.email,
      roles: person.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
      tokenId: token.id,
      scopes: token.scopes,
      via: 'token',
    };
  }

  private async lookup(hash: string): Promise<TokenWithOwner | null> {
    const cached = this.cache.get(hash);
    if (cached && this.now() - cached.fetchedAt < this.maxAgeMs) {
      this.hits++;
      this.onLookup('hit');
      return cached.record;
    }
    this.misses++;
    this.onLookup('miss');
    let record: TokenWithOwner | null;
    try {
      record = await this.findByHash(hash);
    } catch (error) {
      // The database is unreachable: the last known record is better than refusing every call.
      if (cached && this.now() - cached.fetchedAt < this.maxAgeMs + this.maxStaleMs) {
        this.onLookup('stale');
        return cached.record;
      }
      throw error;
    }
    if (record) this.cache.set(hash, { record, fetchedAt: this.now() });
    else this.cache.delete(hash);
    return record;
  }

  private touchThrottled(tenantId: string, tokenId: string): void {
    const last = this.lastTouched.get(tokenId) ?? 0;
    if (this.now() - last < this.touchEveryMs) return;
    this.lastTouched.set(tokenId, this.now());
    // Last-used is informational: a failed write must never fail the request.
    this.touch(tenantId, tokenId).catch(() => this.lastTouched.delete(tokenId));
  }
}
