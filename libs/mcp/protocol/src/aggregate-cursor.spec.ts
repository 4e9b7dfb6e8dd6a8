import {
  AggregateCursorError,
  decodeAggregateCursor,
  encodeAggregateCursor,
} from './aggregate-cursor';

describe('aggregate cursors', () => {
  it.each([
    [{ github: 'abc', fs: null }],
    [{ 'a-b': 'cursor with spaces and ünïcode', c: '' }],
    [{}],
  ])('round-trips %p', (positions) => {
    expect(decodeAggregateCursor(encodeAggregateCursor(positions))).toEqual(positions);
  });

  it('encodes equal positions to the same string whatever the key order', () => {
    expect(encodeAggregateCursor({ a: '1', b: null })).toBe(
      encodeAggregateCursor({ b: null, a: '1' }),
    );
  });

  it('uses only the base64url alphabet', () => {
    expect(encodeAggregateCursor({ 'x?': '>>>???' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['a wrong version', b64({ v: 2, p: {} })],
    ['a non-string position', b64({ v: 1, p: { a: 5 } })],
    ['an array', b64([1])],
    ['too long', 'a'.repeat(20_000)],
  ])('rejects a cursor that is %s with a typed error', (_label, cursor) => {
    expect(() => decodeAggregateCursor(cursor)).toThrow(AggregateCursorError);
    try {
      decodeAggregateCursor(cursor);
    } catch (error) {
      expect((error as AggregateCursorError).code).toBe('invalid_cursor');
    }
  });
});
