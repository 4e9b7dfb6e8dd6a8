import { fromSecret, generateToken, hashToken, isWellFormedToken } from './token-format';

describe('token format', () => {
  it('generates gth_ tokens with a valid checksum, distinct each time', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.secret).toMatch(/^gth_[0-9A-Za-z]{49}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(isWellFormedToken(a.secret)).toBe(true);
  });

  it('stores only a SHA-256 hash and a short display prefix', () => {
    const token = generateToken();
    expect(token.hash).toBe(hashToken(token.secret));
    expect(token.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token.displayPrefix).toBe(token.secret.slice(0, 12));
  });

  it('rejects a token with one character changed (checksum)', () => {
    const { secret } = generateToken();
    const i = 10;
    const flipped = secret.slice(0, i) + (secret[i] === 'a' ? 'b' : 'a') + secret.slice(i + 1);
    expect(isWellFormedToken(flipped)).toBe(false);
  });

  it('rejects other shapes', () => {
    expect(isWellFormedToken('')).toBe(false);
    expect(isWellFormedToken('Bearer x')).toBe(false);
    expect(isWellFormedToken(`ghp_${'a'.repeat(49)}`)).toBe(false);
  });

  it('derives the same stored form from a supplied secret', () => {
    const token = generateToken();
    expect(fromSecret(token.secret)).toEqual(token);
  });
});
