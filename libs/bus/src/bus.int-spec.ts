import { randomUUID } from 'node:crypto';
import type { Bus } from './bus';
import { InMemoryBus } from './bus.memory';
import { RedisBus } from './bus.redis';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Subscribes and resolves once the subscription is active, with a promise of the next message. */
async function nextMessage(bus: Bus, channel: string): Promise<{ message: Promise<unknown> }> {
  let resolve!: (message: unknown) => void;
  const message = new Promise<unknown>((r) => (resolve = r));
  await bus.subscribe(channel, (m) => resolve(m));
  // Wrapped: awaiting a bare promise here would wait for the message itself.
  return { message };
}

describe.each([
  [
    'in-memory',
    () => {
      const b = new InMemoryBus();
      return [b, b] as const;
    },
  ],
  [
    'redis (two connections, as two replicas)',
    () => {
      const prefix = `test:${randomUUID()}:`;
      return [new RedisBus(REDIS_URL, prefix), new RedisBus(REDIS_URL, prefix)] as const;
    },
  ],
])('%s bus', (_name, make) => {
  let a: Bus;
  let b: Bus;
  beforeEach(() => {
    [a, b] = make();
  });
  afterEach(async () => {
    await a.close();
    if (b !== a) await b.close();
  });

  it('delivers a published message to a subscriber of another instance', async () => {
    const received: unknown[] = [];
    await b.subscribe('token', (m) => received.push(m));
    await a.publish('token', { tokenId: 't1' });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([{ tokenId: 't1' }]);
  });

  it('stops delivering after unsubscribe and keeps channels apart', async () => {
    const received: unknown[] = [];
    const off = await b.subscribe('one', (m) => received.push(m));
    const other = await nextMessage(b, 'two');
    await a.publish('two', 'for two');
    expect(await other.message).toBe('for two');
    await off();
    await a.publish('one', 'late');
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
  });
});

it('keeps installations with different prefixes apart', async () => {
  const a = new RedisBus(REDIS_URL, `test:${randomUUID()}:`);
  const b = new RedisBus(REDIS_URL, `test:${randomUUID()}:`);
  const received: unknown[] = [];
  await b.subscribe('x', (m) => received.push(m));
  await a.publish('x', 1);
  await new Promise((r) => setTimeout(r, 100));
  expect(received).toEqual([]);
  await a.close();
  await b.close();
});
