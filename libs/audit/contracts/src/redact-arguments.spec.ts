import { isSecretKey, redactArguments, REDACTED } from './redact-arguments';

describe('redactArguments', () => {
  it('redacts secret-named keys at any depth, case-insensitively, and keeps the rest', () => {
    const out = redactArguments(
      {
        query: 'select 1',
        Password: 'hunter2',
        nested: { apiKey: 'k', API_KEY: 'k', 'x-api-key': 'k', headers: { Authorization: 'x' } },
        list: [{ client_secret: 's', refreshToken: 't', Cookie: 'c' }],
        max_tokens: 512,
        author: 'ada',
      },
      'redacted',
      10_000,
    );
    expect(out).toEqual({
      query: 'select 1',
      Password: REDACTED,
      nested: {
        apiKey: REDACTED,
        API_KEY: REDACTED,
        'x-api-key': REDACTED,
        headers: { Authorization: REDACTED },
      },
      list: [{ client_secret: REDACTED, refreshToken: REDACTED, Cookie: REDACTED }],
      max_tokens: 512,
      author: 'ada',
    });
  });

  it.each([
    ['gateway token', 'use gth_4fQm9ZpX2LkT7vB1nR8sW3yH6jD0cA5eGuIo then', 'use [redacted] then'],
    ['bearer header', 'Authorization: Bearer abc.def-ghi_123456', 'Authorization: [redacted]'],
    ['AWS key id', 'key AKIAIOSFODNN7EXAMPLE ok', 'key [redacted] ok'],
    [
      'JWT',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      '[redacted]',
    ],
    [
      'long hex',
      'sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'sha [redacted]',
    ],
    ['base64 key', 'k: Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpL', 'k: [redacted]'],
    ['password in a URL', 'postgres://app:s3cret@db:5432/x', 'postgres://[redacted]@db:5432/x'],
  ])('redacts a %s inside a string value', (_name, input, expected) => {
    expect(redactArguments({ text: input }, 'redacted', 10_000)).toEqual({ text: expected });
  });

  it('keeps UUIDs, paths and ordinary prose', () => {
    const value = {
      id: '0195b4c2-3f5e-7a10-8b2c-9d0e1f2a3b4c',
      path: '/home/user/projects/gatehouse/libs/audit/contracts/src',
      text: 'The quick brown fox jumps over the lazy dog',
    };
    expect(redactArguments(value, 'redacted', 10_000)).toEqual(value);
  });

  it('stores nothing in mode none and everything in mode full', () => {
    expect(redactArguments({ password: 'p' }, 'none', 10_000)).toBeUndefined();
    expect(redactArguments({ password: 'p' }, 'full', 10_000)).toEqual({ password: 'p' });
  });

  it('replaces an oversized value with a marker that says how many bytes were dropped', () => {
    const big = { text: 'x'.repeat(5000) };
    const out = redactArguments(big, 'full', 1000) as {
      $truncated: { originalBytes: number; droppedBytes: number; preview: string };
    };
    const original = Buffer.byteLength(JSON.stringify(big));
    expect(out.$truncated.originalBytes).toBe(original);
    expect(out.$truncated.droppedBytes).toBe(original - Buffer.byteLength(out.$truncated.preview));
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(1000);
  });

  it('caps after redacting, so a preview never shows a secret', () => {
    const out = redactArguments({ token: 'T'.repeat(50), pad: 'y'.repeat(3000) }, 'redacted', 300);
    expect(JSON.stringify(out)).not.toContain('TTTT');
  });

  it('turns non-JSON values into JSON (cycles, bigint, dates, undefined)', () => {
    const cyclic: Record<string, unknown> = { n: 10n, d: new Date(0), u: undefined };
    cyclic['self'] = cyclic;
    expect(redactArguments(cyclic, 'full', 10_000)).toEqual({
      n: '10',
      d: '1970-01-01T00:00:00.000Z',
      self: '[circular]',
    });
  });
});

describe('isSecretKey', () => {
  it.each([
    'password',
    'db_password',
    'accessToken',
    'id_token',
    'privateKey',
    'SECRET',
    'set-cookie',
  ])('treats %s as secret', (key) => expect(isSecretKey(key)).toBe(true));
  it.each(['tokens', 'max_tokens', 'author', 'keyword', 'description'])('keeps %s', (key) =>
    expect(isSecretKey(key)).toBe(false),
  );
});
