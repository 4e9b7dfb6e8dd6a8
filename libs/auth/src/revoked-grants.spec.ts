import { AuthError } from './identity';
import { RevokedGrants, type RevokedGrantStore } from './revoked-grants';

const ISSUER = 'https://login.example.com';
const unsigned = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

/** The store's state, as Redis would hold it (this is the test's stand-in for Redis). */
class MapStore implements RevokedGrantStore {
  readonly entries = new Map<string, number>();
  list = async () => new Map(this.entries);
  get = async (grantId: string) => this.entries.get(grantId) ?? null;
}

describe('RevokedGrants', () => {
  it('refuses a token of a revoked grant of our issuer only while its tokens may live', async () => {
    const store = new MapStore();
    store.entries.set('g1', Date.now() + 60_000);
    store.entries.set('old', Date.now() - 1);
    const revoked = new RevokedGrants(store, ISSUER);
    await revoked.reload();
    expect(() => revoked.check(unsigned({ iss: ISSUER, grant_id: 'g1' }))).toThrow(AuthError);
    expect(() => revoked.check(unsigned({ iss: ISSUER, grant_id: 'g2' }))).not.toThrow();
    expect(() => revoked.check(unsigned({ iss: ISSUER, grant_id: 'old' }))).not.toThrow();
    // Another issuer's token with the same claim is none of our business.
    expect(() =>
      revoked.check(unsigned({ iss: 'https://idp.example', grant_id: 'g1' })),
    ).not.toThrow();
  });

  it('takes a bus message as a hint: only what the store confirms is added', async () => {
    const store = new MapStore();
    const revoked = new RevokedGrants(store, ISSUER);
    await revoked.reload();
    await revoked.onMessage({ grantId: 'g3' });
    expect(() => revoked.check(unsigned({ iss: ISSUER, grant_id: 'g3' }))).not.toThrow();
    store.entries.set('g3', Date.now() + 60_000);
    await revoked.onMessage({ grantId: 'g3' });
    await revoked.onMessage({ nonsense: true });
    try {
      revoked.check(unsigned({ iss: ISSUER, grant_id: 'g3' }));
      throw new Error('not refused');
    } catch (error) {
      expect(error).toMatchObject({ code: 'grant_revoked' });
    }
  });
});
