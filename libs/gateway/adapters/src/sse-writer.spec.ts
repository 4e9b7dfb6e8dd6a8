import { EventEmitter } from 'node:events';
import type { McpHttpResponse } from '@gatehouse/gateway-core';
import type { Logger } from '@gatehouse/telemetry';
import { writeSseStream, type SseSink, type SseWriterOptions } from './sse-writer';

type SseEvent =
  Extract<McpHttpResponse, { stream: unknown }>['stream'] extends AsyncIterable<infer E>
    ? E
    : never;

const STALL_MS = 1_000;
const KEEP_ALIVE_MS = 15_000;

/**
 * A response whose client reads only when the test says so: while `full`, every write returns
 * false (the buffer is over its mark) and nothing drains until `drain()`.
 */
class FakeResponse extends EventEmitter {
  full = false;
  destroyed = false;
  ended = false;
  readonly writes: string[] = [];

  write(chunk: string): boolean {
    this.writes.push(chunk);
    return !this.full;
  }

  /** The client took everything: `drain`, or `finish` once ended, as a real response emits. */
  drain(): void {
    this.full = false;
    this.emit(this.ended ? 'finish' : 'drain');
  }

  get writableFinished(): boolean {
    return this.ended && !this.full;
  }

  end(): this {
    this.ended = true;
    return this;
  }

  /** Like a real response: the socket goes, then `close` is emitted on a later tick. */
  destroy(): this {
    this.destroyed = true;
    process.nextTick(() => this.emit('close'));
    return this;
  }

  /** The SSE events written, keep-alive comments left out. */
  events(): string[] {
    return this.writes.filter((w) => w.startsWith('event:'));
  }

  asSink(): SseSink {
    return this as unknown as SseSink;
  }
}

/** Events the test pushes one by one; `returned` tells whether the writer let go of it. */
class EventFeed implements AsyncIterable<SseEvent> {
  returned = false;
  private readonly queued: SseEvent[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private next = 1;

  push(count = 1): void {
    for (let i = 0; i < count; i++) {
      const n = this.next++;
      this.queued.push({
        id: String(n),
        message: { jsonrpc: '2.0', method: 'note', params: { n } },
      });
    }
    this.wake?.();
  }

  close(): void {
    this.done = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SseEvent> {
    try {
      for (;;) {
        const event = this.queued.shift();
        if (event) yield event;
        else if (this.done) return;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.returned = true;
    }
  }
}

function fakeLogger() {
  const logger = { info: jest.fn(), warn: jest.fn() };
  return { logger, asLogger: logger as unknown as Logger };
}

function start(response: FakeResponse, feed: EventFeed, overrides: Partial<SseWriterOptions> = {}) {
  const { logger, asLogger } = fakeLogger();
  const done = writeSseStream(response.asSink(), feed, {
    stallTimeoutMs: STALL_MS,
    keepAliveMs: KEEP_ALIVE_MS,
    logger: asLogger,
    sessionId: 'session-1',
    ...overrides,
  });
  return { logger, done };
}

describe('writeSseStream write-stall timeout', () => {
  // Real ticks: the fake response emits `close` on the next one, as a socket does.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('closes a response that does not drain within the timeout, logs it once and stops reading the events', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { logger, done } = start(response, feed);
    response.full = true;
    feed.push(3);
    await jest.advanceTimersByTimeAsync(STALL_MS - 1);
    expect(response.destroyed).toBe(false);
    expect(response.writes).toHaveLength(1); // waiting for drain after the first write

    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(response.destroyed).toBe(true);
    expect(response.writes).toHaveLength(1);
    expect(feed.returned).toBe(true);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      { sessionId: 'session-1', stallTimeoutMs: STALL_MS },
      'SSE client stopped reading; connection closed',
    );
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps a client that drains before the timeout, however many short stalls add up to', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { logger, done } = start(response, feed);
    for (let stall = 0; stall < 20; stall++) {
      response.full = true;
      feed.push();
      await jest.advanceTimersByTimeAsync(STALL_MS - 100);
      response.drain();
      await jest.advanceTimersByTimeAsync(0);
    }
    await jest.advanceTimersByTimeAsync(STALL_MS * 5);
    expect(response.destroyed).toBe(false);
    expect(response.events()).toHaveLength(20);
    // Each stall's listeners went with it: nothing piles up on a long-lived stream.
    expect(response.listenerCount('drain')).toBe(0);
    expect(response.listenerCount('close')).toBe(0);
    feed.close();
    await done;
    expect(response.ended).toBe(true);
    expect(logger.info).not.toHaveBeenCalled();
  });

  it('arms no timer while writes go through (only the keep-alive interval runs)', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { done } = start(response, feed);
    feed.push(100);
    await jest.advanceTimersByTimeAsync(0);
    expect(response.writes).toHaveLength(100);
    expect(jest.getTimerCount()).toBe(1);
    feed.close();
    await done;
    expect(jest.getTimerCount()).toBe(0);
  });

  it('closes an idle stream whose keep-alive comment does not drain', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { logger, done } = start(response, feed);
    response.full = true;
    await jest.advanceTimersByTimeAsync(KEEP_ALIVE_MS);
    expect(response.writes).toEqual([': keep-alive\n\n']);
    await jest.advanceTimersByTimeAsync(STALL_MS);
    expect(response.destroyed).toBe(true);
    expect(logger.info).toHaveBeenCalledTimes(1);
    feed.close();
    await done;
  });

  it('a keep-alive comment that drains disarms the timer', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { done } = start(response, feed);
    response.full = true;
    await jest.advanceTimersByTimeAsync(KEEP_ALIVE_MS);
    response.drain();
    await jest.advanceTimersByTimeAsync(STALL_MS * 2);
    expect(response.destroyed).toBe(false);
    expect(jest.getTimerCount()).toBe(1);
    feed.close();
    await done;
  });

  it('0 disables the timeout: a stalled response waits for drain as long as it takes', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { logger, done } = start(response, feed, { stallTimeoutMs: 0 });
    response.full = true;
    feed.push(2);
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(response.destroyed).toBe(false);
    expect(response.events()).toHaveLength(1);
    response.drain();
    feed.close();
    await done;
    expect(response.events()).toHaveLength(2);
    expect(logger.info).not.toHaveBeenCalled();
  });

  it('closes a stalled response whose events ended: its last bytes wait in the buffer too', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { logger, done } = start(response, feed);
    response.full = true;
    await jest.advanceTimersByTimeAsync(KEEP_ALIVE_MS); // the keep-alive arms the timer
    await jest.advanceTimersByTimeAsync(STALL_MS / 2);
    feed.close();
    await done;
    expect(response.ended).toBe(true);
    // Counted from the stall, not from the end.
    await jest.advanceTimersByTimeAsync(STALL_MS / 2);
    expect(response.destroyed).toBe(true);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps an ended response whose client takes its last bytes in time, and leaves nothing behind', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { logger, done } = start(response, feed);
    response.full = true;
    await jest.advanceTimersByTimeAsync(KEEP_ALIVE_MS); // the keep-alive arms the timer
    feed.close();
    await done;
    await jest.advanceTimersByTimeAsync(STALL_MS / 2);
    response.drain(); // the client takes the rest: `finish`
    await jest.advanceTimersByTimeAsync(STALL_MS * 2);
    expect(response.destroyed).toBe(false);
    expect(logger.info).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
    for (const event of ['drain', 'finish', 'close']) expect(response.listenerCount(event)).toBe(0);
  });

  it('arms nothing when the events end with nothing left in the buffer', async () => {
    const response = new FakeResponse();
    const feed = new EventFeed();
    const { done } = start(response, feed);
    feed.push(3);
    feed.close();
    await done;
    expect(response.ended).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    expect(response.listenerCount('finish')).toBe(0);
  });
});
