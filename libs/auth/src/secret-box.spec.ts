import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));

  it('round-trips and never outputs the plaintext', () => {
    const sealed = box.seal('{"authorization":"Bearer s3cret"}');
    expect(sealed).not.toContain('s3cret');
    expect(box.open(sealed)).toBe('{"authorization":"Bearer s3cret"}');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('refuses a tampered ciphertext and a wrong key', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed)).toThrow();
  });

  it('rejects a short key', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32-byte/);
  });
});
