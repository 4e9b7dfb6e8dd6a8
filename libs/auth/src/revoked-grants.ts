import { decodeJwt } from 'jose';
import { AuthError } from './identity';

/** Where revoked grants are kept (Redis): grant id → when its last access token expires (ms). */
export interface RevokedGrantStore {
  list(): Promise<Map<string, number>>;
  get(grantId: string): Promise<number | null>;
}

/**
 * The grants of Gatehouse's authorization server revoked while their access tokens may still
 * be alive, held in memory so that checking a token costs no round trip. Filled from the store
 * at start, on every revocation message (a hint: the store is read again for that grant), and
 * every `reloadMs` in case a message was lost.
 */
export class RevokedGrants {
  private revoked = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RevokedGrantStore,
    /** Only tokens of this issuer carry our grant ids. */
    private readonly issuer: string,
  ) {}

  async start(reloadMs = 30_000): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), reloadMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async reload(): Promise<void> {
    this.revoked = await this.store.list();
  }

  /** A bus message named a revoked grant: confirm it in the store. */
  async onMessage(message: unknown): Promise<void> {
    const grantId = (message as { grantId?: unknown } | null)?.grantId;
    if (typeof grantId !== 'string') return;
    const until = await this.store.get(grantId);
    if (until !== null) this.revoked.set(grantId, until);
  }

  /** Throws `grant_revoked` for a (verified) token of a revoked grant. */
  check(jwt: string): void {
    if (this.revoked.size === 0) return;
    const claims = decodeJwt(jwt);
    const grantId = claims['grant_id'];
    if (claims.iss !== this.issuer || typeof grantId !== 'string') return;
    const until = this.revoked.get(grantId);
    if (until !== undefined && until > Date.now()) {
      throw new AuthError('grant_revoked', 'the grant this token belongs to was revoked');
    }
  }
}
