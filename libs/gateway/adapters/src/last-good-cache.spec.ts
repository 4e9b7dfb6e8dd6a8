import { createLogger } from '@gatehouse/telemetry';
import { Writable } from 'node:stream';
import { LastGoodCache } from './last-good-cache';

const quiet = () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('test', 'warn', sink), lines };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loader standing in for Postgres: counts reads, fails while `down`. */
function source() {
  const state = { reads: 0, down: false, version: 1 };
  const load = async (key: string) => {
    state.reads += 1;
    if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return { key, version: state.version };
  };
  return { state, load };
}

describe('LastGoodCache', () => {
  it('serves a loaded value until it is maxAgeMs old, sharing one load between concurrent reads', async () => {
    const { state, load } = source();
    const cache = new LastGoodCache({ load, maxAgeMs: 40, ...quiet(), staleWarning: 'stale' });
    const [a, b] = await Promise.all([cache.get('t1'), cache.get('t1')]);
    expect(a).toBe(b);
    expect(state.reads).toBe(1);
    state.version = 2;
    await sleep(60);
    expect(await cache.get('t1')).toEqual({ key: 't1', version: 2 });
    expect(state.reads).toBe(2);
  });

  it('serves the last good value, logged, while reloads fail, and reloads once they work', async () => {
    const { state, load } = source();
    const { logger, lines } = quiet();
    const cache = new LastGoodCache({ load, maxAgeMs: 10, logger, staleWarning: 'stale served' });
    await cache.get('t1');
    state.down = true;
    state.version = 2;
    await sleep(20);
    expect(await cache.get('t1')).toEqual({ key: 't1', version: 1 });
    expect(await cache.get('t1')).toEqual({ key: 't1', version: 1 });
    expect(lines.join('')).toContain('stale served');
    state.down = false;
    expect(await cache.get('t1')).toEqual({ key: 't1', version: 2 });
  });

  it('rejects a key it never loaded while the source is down, and a deleted key loses its fallback', async () => {
    const { state, load } = source();
    const cache = new LastGoodCache({ load, maxAgeMs: 10_000, ...quiet(), staleWarning: 'stale' });
    await cache.get('t1');
    state.down = true;
    await expect(cache.get('t2')).rejects.toThrow(/ECONNREFUSED/);
    cache.delete('t1');
    await expect(cache.get('t1')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('holds at most max keys, and drops the keys a predicate matches', async () => {
    const { state, load } = source();
    const cache = new LastGoodCache({
      load,
      maxAgeMs: 10_000,
      max: 2,
      ...quiet(),
      staleWarning: 's',
    });
    for (const key of ['a', 'b', 'c']) await cache.get(key);
    await cache.get('a'); // evicted by c
    expect(state.reads).toBe(4);
    cache.deleteWhere((key) => key === 'a');
    await cache.get('a');
    expect(state.reads).toBe(5);
  });
});
