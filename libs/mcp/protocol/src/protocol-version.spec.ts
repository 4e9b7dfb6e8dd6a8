import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  LATEST_PROTOCOL_VERSION,
  batchesAllowed,
  isSupportedProtocolVersion,
  negotiateProtocolVersion,
  protocolVersionFromHeader,
} from './protocol-version';

describe('negotiateProtocolVersion', () => {
  it.each([
    ['2025-11-25', '2025-11-25'],
    ['2025-06-18', '2025-06-18'],
    ['2025-03-26', '2025-03-26'],
    ['2024-11-05', LATEST_PROTOCOL_VERSION],
    ['2099-01-01', LATEST_PROTOCOL_VERSION],
    [undefined, LATEST_PROTOCOL_VERSION],
    [42, LATEST_PROTOCOL_VERSION],
  ])('answers a client asking for %p with %p', (requested, expected) => {
    expect(negotiateProtocolVersion(requested)).toBe(expected);
  });
});

describe('isSupportedProtocolVersion', () => {
  it.each([
    ['2025-11-25', true],
    ['2025-03-26', true],
    ['2024-11-05', false],
    ['', false],
    [null, false],
  ])('%p → %p', (value, expected) => {
    expect(isSupportedProtocolVersion(value)).toBe(expected);
  });
});

describe('protocolVersionFromHeader', () => {
  it('assumes 2025-03-26 when the header is absent or empty', () => {
    expect(protocolVersionFromHeader(undefined)).toEqual({ ok: true, version: '2025-03-26' });
    expect(protocolVersionFromHeader('')).toEqual({
      ok: true,
      version: DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
    });
  });

  it('accepts a supported version, also from a repeated header', () => {
    expect(protocolVersionFromHeader('2025-06-18')).toEqual({ ok: true, version: '2025-06-18' });
    expect(protocolVersionFromHeader(['2025-11-25'])).toEqual({ ok: true, version: '2025-11-25' });
  });

  it('rejects an unknown version with a message naming it and the supported ones', () => {
    const result = protocolVersionFromHeader('2024-11-05');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(
      /"2024-11-05".*2025-11-25, 2025-06-18, 2025-03-26/,
    );
  });
});

describe('batchesAllowed', () => {
  it.each([
    ['2025-03-26', true],
    ['2025-06-18', false],
    ['2025-11-25', false],
  ] as const)('%s → %p', (version, expected) => {
    expect(batchesAllowed(version)).toBe(expected);
  });
});
