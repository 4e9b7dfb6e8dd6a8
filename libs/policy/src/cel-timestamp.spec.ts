import { Environment } from '@marcbachmann/cel-js';
import { celTimestamp } from './cel-timestamp';

describe('celTimestamp', () => {
  const env = new Environment().registerVariable('now', 'google.protobuf.Timestamp');
  const accessors = [
    'getHours',
    'getMinutes',
    'getDayOfWeek',
    'getDate',
    'getMonth',
    'getFullYear',
  ];
  const zones = ['UTC', 'Europe/Zurich', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham'];
  const instants = [
    '2026-11-02T10:00:00Z',
    '2026-03-29T00:59:59Z', // just before the switch to summer time in Zurich
    '2026-03-29T01:00:00Z',
    '2026-12-31T23:30:00Z',
  ];

  it.each(instants)('gives the same answers as a plain Date at %s', (iso) => {
    for (const zone of zones) {
      for (const accessor of accessors) {
        const expression = env.parse(`now.${accessor}('${zone}')`);
        expect(expression({ now: celTimestamp(new Date(iso)) })).toBe(
          expression({ now: new Date(iso) }),
        );
      }
    }
  });

  it('leaves the caller’s Date alone and keeps other toLocaleString calls intact', () => {
    const original = new Date('2026-11-02T10:00:00Z');
    const copy = celTimestamp(original);
    expect(copy.getTime()).toBe(original.getTime());
    expect(Object.prototype.hasOwnProperty.call(original, 'toLocaleString')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(copy, 'toLocaleString')).toBe(true);
    expect(copy.toLocaleString('de-CH', { timeZone: 'UTC' })).toBe(
      original.toLocaleString('de-CH', { timeZone: 'UTC' }),
    );
  });

  it('rejects an unknown zone like a plain Date does', () => {
    expect(() =>
      celTimestamp(new Date()).toLocaleString('en-US', { timeZone: 'Mars/Base' }),
    ).toThrow(RangeError);
  });
});
