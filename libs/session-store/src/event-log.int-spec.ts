import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { LoggedEvent, SessionEventLog } from './event-log';
import { InMemorySessionEventLog } from './event-log.memory';
import { RedisBus } from '@gatehouse/bus';
import { RedisSessionEventLog } from './event-log.redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const note = (n: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { level: 'info', data: n },
});
const connections: Redis[] = [];
const connect = () => {
  const r = new Redis(REDIS_URL);
  connections.push(r);
  return r;
};
const buses: RedisBus[] = [];
afterAll(async () => {
  connections.forEach((c) => c.disconnect());
  await Promise.all(buses.map((b) => b.close()));
});

async function collect(
  iterable: AsyncIterable<LoggedEvent>,
  count: number,
): Promise<LoggedEvent[]> {
  const out: LoggedEvent[] = [];
  for await (const e of iterable) {
    out.push(e);
    if (out.length === count) break;
  }
  return out;
}

describe.each([
  [
    'in-memory',
    () => {
      const l = new InMemorySessionEventLog(100, 1024 * 1024);
      return [l, l] as const;
    },
  ],
  [
    'redis (writer and reader on different replicas)',
    () => {
      const prefix = `test:${randomUUID()}:`;
      const busA = new RedisBus(REDIS_URL, prefix);
      const busB = new RedisBus(REDIS_URL, prefix);
      buses.push(busA, busB);
      return [
        new RedisSessionEventLog(connect(), busA, prefix, 100, 1024 * 1024, 60),
        new RedisSessionEventLog(connect(), busB, prefix, 100, 1024 * 1024, 60),
      ] as const;
    },
  ],
])('%s session event log', (_name, make) => {
  let writer: SessionEventLog;
  let reader: SessionEventLog;
  beforeEach(() => {
    [writer, reader] = make();
  });

  it('replays, in order, only the events of the resumed stream after Last-Event-ID, then ends at the final one', async () => {
    const session = randomUUID();
    const first = await writer.append(session, 'p1', note(1));
    await writer.append(session, 'get', note(99));
    await writer.append(session, 'p1', note(2));
    await writer.append(session, 'p1', note(3), true);
    const replayed = await collect(
      reader.tail(session, 'p1', { after: first.id, signal: new AbortController().signal }),
      10,
    );
    expect(
      replayed.map((e) => (e.message as unknown as { params: { data: number } }).params.data),
    ).toEqual([2, 3]);
    expect(replayed[1]?.final).toBe(true);
  });

  it('ends at once when resumed after the final event of its stream (the stream is complete)', async () => {
    const session = randomUUID();
    await writer.append(session, 'p1', note(1));
    const final = await writer.append(session, 'p1', note(2), true);
    // The signal never aborts: only the completed stream can end this tail.
    const replayed = await collect(
      reader.tail(session, 'p1', { after: final.id, signal: new AbortController().signal }),
      10,
    );
    expect(replayed).toEqual([]);
  });

  it('delivers live events appended elsewhere to a waiting reader', async () => {
    const session = randomUUID();
    const abort = new AbortController();
    const received = collect(reader.tail(session, 'get', { signal: abort.signal }), 2);
    await new Promise((r) => setTimeout(r, 100));
    await writer.append(session, 'get', note(1));
    await writer.append(session, 'other', note(2));
    await writer.append(session, 'get', note(3));
    const events = await received;
    abort.abort();
    expect(events.map((e) => e.id.startsWith('get_'))).toEqual([true, true]);
    expect(
      events.map((e) => (e.message as unknown as { params: { data: number } }).params.data),
    ).toEqual([1, 3]);
  });

  it('stops a tail when its signal aborts', async () => {
    const abort = new AbortController();
    const done = collect(reader.tail(randomUUID(), 'get', { signal: abort.signal }), 1);
    setTimeout(() => abort.abort(), 50);
    expect(await done).toEqual([]);
  });
});

describe('redis session event log, slow reader', () => {
  const prefix = `test:${randomUUID()}:`;
  let writer: RedisSessionEventLog;
  let reader: RedisSessionEventLog;
  beforeAll(() => {
    const busA = new RedisBus(REDIS_URL, prefix);
    const busB = new RedisBus(REDIS_URL, prefix);
    buses.push(busA, busB);
    writer = new RedisSessionEventLog(connect(), busA, prefix, 100, 1024 * 1024, 60);
    reader = new RedisSessionEventLog(connect(), busB, prefix, 100, 1024 * 1024, 60);
  });

  it('ends a live reader that falls more than the log length behind, instead of buffering for it', async () => {
    const session = randomUUID();
    const abort = new AbortController();
    const tail = reader.tail(session, 'get', { signal: abort.signal })[Symbol.asyncIterator]();
    const first = tail.next();
    await new Promise((r) => setTimeout(r, 100));
    // The reader takes one event, then stops reading while 150 more arrive (the log keeps 100).
    await writer.append(session, 'get', note(0));
    expect((await first).done).toBe(false);
    for (let i = 1; i <= 150; i++) await writer.append(session, 'get', note(i));
    await new Promise((r) => setTimeout(r, 200));
    const rest: number[] = [];
    for (let next = await tail.next(); !next.done; next = await tail.next())
      rest.push((next.value.message as unknown as { params: { data: number } }).params.data);
    abort.abort();
    // Ended by itself (the signal never aborted), having held at most the log's length.
    expect(rest.length).toBeLessThanOrEqual(100);
  });
});
