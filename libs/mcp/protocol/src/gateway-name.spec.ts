import {
  CLIENT_SAFE_NAME,
  GatewayNameError,
  isVerbatimGatewayName,
  splitGatewayName,
  toGatewayName,
} from './gateway-name';

const LONG = 'a'.repeat(80);

describe('toGatewayName', () => {
  it.each([
    ['github', 'create_issue', 'github__create_issue'],
    ['my-db', 'query-rows', 'my-db__query-rows'],
    ['a_b', 'x', 'a_b__x'],
    ['s', '_private', 's___private'],
  ])('keeps %s / %s verbatim', (slug, name, expected) => {
    expect(toGatewayName(slug, name)).toBe(expected);
    expect(isVerbatimGatewayName(slug, name)).toBe(true);
  });

  it.each([
    ['dots', 'fs', 'read.file'],
    ['spaces', 'fs', 'read file'],
    ['unicode', 'fs', 'lire_le_fichier_é'],
    ['emoji', 'fs', '🚀launch'],
    ['a very long name', 'fs', LONG],
    ['a long slug and name', 'x'.repeat(40), 'y'.repeat(30)],
  ])(
    'shortens a name with %s deterministically into the client-safe alphabet',
    (_l, slug, name) => {
      const first = toGatewayName(slug, name);
      expect(first).toMatch(CLIENT_SAFE_NAME);
      expect(first).toBe(toGatewayName(slug, name));
      expect(first.startsWith(`${slug}__`)).toBe(true);
      expect(first).toMatch(/_[0-9a-f]{8}$/);
      expect(isVerbatimGatewayName(slug, name)).toBe(false);
    },
  );

  it('gives different names to originals that sanitize alike', () => {
    expect(toGatewayName('fs', 'read.file')).not.toBe(toGatewayName('fs', 'read file'));
    expect(toGatewayName('fs', `${LONG}1`)).not.toBe(toGatewayName('fs', `${LONG}2`));
  });

  it('depends on the slug as well as the name', () => {
    expect(toGatewayName('a', 'x.y').slice(-8)).not.toBe(toGatewayName('b', 'x.y').slice(-8));
  });

  it('produces pinned values, so the mapping cannot change silently between releases', () => {
    // sha256('fs\0read.file') starts with a70c2700.
    expect(toGatewayName('fs', 'read.file')).toBe('fs__read_file_a70c2700');
    expect(toGatewayName('fs', LONG)).toHaveLength(64);
  });

  it.each(['', 'has__double', 'ends_', '-ok-but.dot', 'x'.repeat(41), 'é'])(
    'refuses the slug %p, which would make names ambiguous',
    (slug) => {
      expect(() => toGatewayName(slug, 'tool')).toThrow(GatewayNameError);
    },
  );
});

describe('splitGatewayName', () => {
  it.each([
    ['github__create_issue', { upstreamSlug: 'github', name: 'create_issue', mayBeHashed: false }],
    ['a_b__x', { upstreamSlug: 'a_b', name: 'x', mayBeHashed: false }],
    ['s___private', { upstreamSlug: 's', name: '_private', mayBeHashed: false }],
    [
      'fs__read_file_0a1b2c3d',
      { upstreamSlug: 'fs', name: 'read_file_0a1b2c3d', mayBeHashed: true },
    ],
  ])('splits %s', (gatewayName, expected) => {
    expect(splitGatewayName(gatewayName)).toEqual(expected);
  });

  it.each(['plain', '__nameonly', 'slug__', 'has space__x', 'x'.repeat(65)])(
    'returns undefined for %p, which Gatehouse cannot have produced',
    (gatewayName) => {
      expect(splitGatewayName(gatewayName)).toBeUndefined();
    },
  );

  it('round-trips every verbatim name and flags every shortened one', () => {
    const names = ['echo', 'read.file', 'read file', LONG, 'naïve', 'tool-1'];
    for (const name of names) {
      const split = splitGatewayName(toGatewayName('up', name));
      expect(split?.upstreamSlug).toBe('up');
      if (isVerbatimGatewayName('up', name)) expect(split?.name).toBe(name);
      else expect(split?.mayBeHashed).toBe(true);
    }
  });
});
