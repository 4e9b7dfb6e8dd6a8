import { parseRebuildToolHoursArgs } from './audit-tool-hours-rebuild';

describe('parseRebuildToolHoursArgs (audit:rebuild-hours command line)', () => {
  it('reads a tenant and an ISO range, with a zone or as UTC dates', () => {
    expect(
      parseRebuildToolHoursArgs([
        '--tenant',
        'acme',
        '--from',
        '2026-04-01T10:30:00+02:00',
        '--to',
        '2026-04-03',
      ]),
    ).toEqual({
      kind: 'rebuild',
      options: {
        tenants: { idOrSlug: 'acme' },
        from: new Date('2026-04-01T08:30:00Z'),
        to: new Date('2026-04-03T00:00:00Z'),
      },
    });
  });

  it('leaves from and to to the defaults when they are not given', () => {
    expect(parseRebuildToolHoursArgs(['--all-tenants'])).toEqual({
      kind: 'rebuild',
      options: { tenants: 'all' },
    });
  });

  it('answers --help with help', () => {
    expect(parseRebuildToolHoursArgs(['--tenant', 'acme', '-h'])).toEqual({ kind: 'help' });
  });

  it('refuses a command line naming no tenant, or naming one and all of them', () => {
    for (const argv of [[], ['--from', '2026-04-01'], ['--tenant', 'acme', '--all-tenants']]) {
      expect(parseRebuildToolHoursArgs(argv)).toEqual({
        kind: 'invalid',
        problems: ['give either --tenant <id or slug> or --all-tenants'],
      });
    }
  });

  it('lists every problem at once: times without a zone, an empty tenant, from not before to', () => {
    const result = parseRebuildToolHoursArgs([
      '--tenant',
      ' ',
      '--from',
      '2026-04-01 10:00',
      '--to',
      'yesterday',
    ]);
    expect(result.kind).toBe('invalid');
    const problems = result.kind === 'invalid' ? result.problems : [];
    expect(problems).toEqual([
      '--tenant: must name a tenant id or slug',
      expect.stringMatching(/^--from: must be an ISO 8601 time with a zone/),
      expect.stringMatching(/^--to: must be an ISO 8601 time with a zone/),
    ]);
    expect(
      parseRebuildToolHoursArgs(['--all-tenants', '--from', '2026-04-02', '--to', '2026-04-02']),
    ).toEqual({ kind: 'invalid', problems: ['--from: must be earlier than --to'] });
  });

  it('refuses unknown options, stray arguments and options missing their value', () => {
    for (const argv of [
      ['--tenant', 'acme', '--form', '2026-04-01'],
      ['--tenant', 'acme', 'extra'],
      ['--tenant'],
    ]) {
      const result = parseRebuildToolHoursArgs(argv);
      expect(result).toEqual({ kind: 'invalid', problems: [expect.any(String)] });
    }
    expect(parseRebuildToolHoursArgs(['--tenant', 'acme', '--form', 'x'])).toEqual({
      kind: 'invalid',
      problems: [expect.stringContaining("'--form'")],
    });
  });
});
