import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { RedisBus } from '@gatehouse/bus';
import type { LoggedEvent, SessionEventLog } from './event-log';
import { InMemorySessionEventLog } from './event-log.memory';
import { RedisSessionEventLog } from './event-log.redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const BUDGET = 2000;

/** A log message whose JSON is exactly `bytes` long (at least 100), tagged `n`. */
function sized(n: number, bytes: number): JSONRPCMessage {
  const message = {
    jsonrpc: '2.0' as const,
    method: 'notifications/message',
    params: { n, d: '' },
  };
  message.params.d = 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(message)));
  return message;
}
const sizeOf = (message: JSONRPCMessage) => Buffer.byteLength(JSON.stringify(message));
const tagOf = (event: LoggedEvent) =>
  (event.message as unknown as { params: { n: number } }).params.n;

const redis = new Redis(REDIS_URL);
const buses: RedisBus[] = [];
const prefix = `test:${randomUUID()}:`;
function redisLog(maxEvents: number, maxBytes: number): RedisSessionEventLog {
  const bus = new RedisBus(REDIS_URL, prefix);
  buses.push(bus);
  return new RedisSessionEventLog(redis, bus, prefix, maxEvents, maxBytes, 60);
}
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await Promise.all(buses.map((b) => b.close()));
});

/** Every event of `streamId` still logged after `after` (a final event ends the replay). */
async function replay(log: SessionEventLog, session: string, streamId: string, after: string) {
  const out: LoggedEvent[] = [];
  for await (const e of log.tail(session, streamId, { after, signal: AbortSignal.timeout(2000) }))
    out.push(e);
  return out;
}

describe.each([
  ['in-memory', (events: number, bytes: number) => new InMemorySessionEventLog(events, bytes)],
  ['redis', redisLog],
])('%s session event log byte budget', (_name, make) => {
  it('drops the oldest events once the log holds more bytes than its budget, and a resume from a dropped id replays what is left', async () => {
    const log = make(100, BUDGET);
    const session = randomUUID();
    const first = await log.append(session, 'p1', sized(0, 300));
    for (let n = 1; n < 10; n++) await log.append(session, 'p1', sized(n, 300), n === 9);
    const replayed = await replay(log, session, 'p1', first.id);
    // 6 × 300 bytes fit in 2000, a 7th does not: the newest 6 are kept, in order.
    expect(replayed.map(tagOf)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(replayed.reduce((sum, e) => sum + sizeOf(e.message), 0)).toBeLessThanOrEqual(BUDGET);
  });

  it('keeps the newest event even when it alone exceeds the budget, and replays it', async () => {
    const log = make(100, BUDGET);
    const session = randomUUID();
    const first = await log.append(session, 'p1', sized(0, 100));
    await log.append(session, 'p1', sized(1, 100));
    await log.append(session, 'p1', sized(2, BUDGET * 3), true);
    const replayed = await replay(log, session, 'p1', first.id);
    expect(replayed.map(tagOf)).toEqual([2]);
    expect(replayed.map((e) => sizeOf(e.message))).toEqual([BUDGET * 3]);
  });

  it('still drops by count when the events are small (whichever bound is reached first)', async () => {
    const log = make(3, BUDGET);
    const session = randomUUID();
    const first = await log.append(session, 'p1', sized(0, 100));
    for (let n = 1; n < 6; n++) await log.append(session, 'p1', sized(n, 100), n === 5);
    expect((await replay(log, session, 'p1', first.id)).map(tagOf)).toEqual([3, 4, 5]);
  });
});

describe('redis session event log byte accounting', () => {
  const bytesHeld = async (session: string) => {
    const entries = await redis.xrange(`${prefix}session:${session}:events`, '-', '+');
    const sizes = entries.map(([, fields]) =>
      Buffer.byteLength(fields[fields.indexOf('m') + 1] ?? ''),
    );
    return { ids: entries.map(([id]) => id), sum: sizes.reduce((a, b) => a + b, 0) };
  };
  const storedTotal = async (session: string) =>
    Number(await redis.get(`${prefix}session:${session}:events:bytes`));

  it('keeps its byte total exact across many appends, count trims and byte trims', async () => {
    const log = redisLog(20, 5000);
    const session = randomUUID();
    const appended: string[] = [];
    const trims = { count: 0, bytes: 0 };
    for (let n = 0; n < 200; n++) {
      // Runs of small events (the count bound trims) alternate with large ones (the byte bound).
      const bytes = n % 50 < 30 ? 100 : 100 + ((n * 97) % 2900);
      const event = await log.append(session, n % 3 ? 'get' : 'p1', sized(n, bytes));
      appended.push(event.id.slice(event.id.indexOf('_') + 1));
      const held = await bytesHeld(session);
      expect(await storedTotal(session)).toBe(held.sum);
      expect(held.ids.length).toBeLessThanOrEqual(20);
      if (held.ids.length > 1) expect(held.sum).toBeLessThanOrEqual(5000);
      // Oldest first: what is left is always the newest appends.
      expect(held.ids).toEqual(appended.slice(-held.ids.length));
      if (held.ids.length === 20 && appended.length > 20) trims.count++;
      if (held.ids.length < Math.min(20, appended.length)) trims.bytes++;
    }
    expect(trims.count).toBeGreaterThan(0);
    expect(trims.bytes).toBeGreaterThan(0);
    expect(await redis.ttl(`${prefix}session:${session}:events:bytes`)).toBeGreaterThan(0);
    await log.drop(session);
    expect(await redis.exists(`${prefix}session:${session}:events:bytes`)).toBe(0);
  });

  it('counts a log written before the byte budget (no stored total) once, then trims it', async () => {
    const log = redisLog(100, BUDGET);
    const session = randomUUID();
    const key = `${prefix}session:${session}:events`;
    for (let n = 0; n < 5; n++)
      await redis.xadd(key, '*', 's', 'p1', 'm', JSON.stringify(sized(n, 500)), 'f', '0');
    await log.append(session, 'p1', sized(5, 500));
    const held = await bytesHeld(session);
    expect(held.ids).toHaveLength(4);
    expect(await storedTotal(session)).toBe(held.sum);
    expect(held.sum).toBe(2000);
  });

  it('starts the total of a new log afresh, whatever total lingers for it', async () => {
    const log = redisLog(100, BUDGET);
    const session = randomUUID();
    await redis.set(`${prefix}session:${session}:events:bytes`, '999999');
    await log.append(session, 'p1', sized(0, 500));
    await log.append(session, 'p1', sized(1, 500));
    expect((await bytesHeld(session)).ids).toHaveLength(2);
    expect(await storedTotal(session)).toBe(1000);
  });

  it('ends a live reader whose unread events pass the byte budget, though far fewer than the count bound', async () => {
    const writer = redisLog(100, BUDGET);
    const reader = redisLog(100, BUDGET);
    const session = randomUUID();
    const abort = new AbortController();
    const tail = reader.tail(session, 'get', { signal: abort.signal })[Symbol.asyncIterator]();
    const first = tail.next();
    await new Promise((r) => setTimeout(r, 100));
    await writer.append(session, 'get', sized(0, 500));
    expect((await first).done).toBe(false);
    // 20 events of 500 bytes arrive while the reader does not read: 10 000 bytes, 20 events.
    for (let n = 1; n <= 20; n++) await writer.append(session, 'get', sized(n, 500));
    await new Promise((r) => setTimeout(r, 200));
    const timer = setTimeout(() => abort.abort(), 1000);
    const rest: number[] = [];
    for (let next = await tail.next(); !next.done; next = await tail.next())
      rest.push(tagOf(next.value));
    clearTimeout(timer);
    // Ended by itself, having held no more than the budget (4 × 500 bytes).
    expect(abort.signal.aborted).toBe(false);
    expect(rest.length).toBeLessThanOrEqual(4);
  });
});
