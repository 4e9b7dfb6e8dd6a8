import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ResponseStream, type SseEvent } from './response-stream';

const response = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });
const progress: JSONRPCMessage = {
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 1, progress: 1 },
};

async function drain(iterable: AsyncIterable<SseEvent>) {
  const out: JSONRPCMessage[] = [];
  for await (const e of iterable) out.push(e.message);
  return out;
}

describe('ResponseStream', () => {
  it('answers plain JSON when only the response arrives', async () => {
    const stream = new ResponseStream(1, false);
    stream.respond(response(1));
    expect(await stream.ready).toEqual({ kind: 'json', body: response(1) });
  });

  it('answers a batch as a JSON array once every response is in', async () => {
    const stream = new ResponseStream(2, true);
    stream.respond(response(1));
    stream.respond(response(2));
    expect(await stream.ready).toEqual({ kind: 'json', body: [response(1), response(2)] });
  });

  it('answers an empty SSE stream when ended before anything was sent (a cancelled call)', async () => {
    const stream = new ResponseStream(1, false);
    stream.end();
    const ready = await stream.ready;
    expect(ready.kind).toBe('sse');
    expect(await drain((ready as { events: AsyncIterable<SseEvent> }).events)).toEqual([]);
  });

  it('switches to SSE at the first intermediate message and relays in order', async () => {
    const stream = new ResponseStream(1, false);
    stream.send(progress);
    const ready = await stream.ready;
    expect(ready.kind).toBe('sse');
    const drained = drain((ready as { events: AsyncIterable<SseEvent> }).events);
    stream.send(progress);
    stream.respond(response(7));
    expect(await drained).toEqual([progress, progress, response(7)]);
  });

  it('stops queueing (but keeps logging) when the client does not read', async () => {
    const logged: boolean[] = [];
    const stream = new ResponseStream(
      1,
      false,
      async (_m, final) => {
        logged.push(final);
        return `p_${logged.length}`;
      },
      3,
    );
    for (let i = 0; i < 10; i++) stream.send(progress);
    stream.respond(response(1));
    const ready = await stream.ready;
    expect(await drain((ready as { events: AsyncIterable<SseEvent> }).events)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(logged).toHaveLength(11);
    expect(logged[10]).toBe(true);
  });

  it('gives each streamed event the id its log returned, in order', async () => {
    let n = 0;
    const stream = new ResponseStream(1, false, async () => `p_${++n}`);
    stream.send(progress);
    stream.respond(response(2));
    const ready = (await stream.ready) as { events: AsyncIterable<SseEvent> };
    const ids: (string | undefined)[] = [];
    for await (const e of ready.events) ids.push(e.id);
    expect(ids).toEqual(['p_1', 'p_2']);
  });

  it('hands each event its call note, and drops a forgotten call only after the events before it', async () => {
    const order: string[] = [];
    const stream = new ResponseStream(
      1,
      false,
      async (message, _final, note) => {
        await new Promise((r) => setTimeout(r, 5));
        order.push(
          `log ${'method' in message ? message.method : 'response'} ${String(note?.['upstreamEventId'])}`,
        );
        return 'p_1';
      },
      10,
      async (requestId) => {
        order.push(`forget ${String(requestId)}`);
      },
    );
    stream.send(progress, {
      clientRequestId: 7,
      method: 'tools/call',
      slug: 'alpha',
      upstreamEventId: 'u1',
    });
    stream.send(progress);
    stream.end();
    stream.forget(7);
    await stream.settled();
    expect(order).toEqual([
      'log notifications/progress u1',
      'log notifications/progress undefined',
      'forget 7',
    ]);
  });

  it('forgets nothing for a call that never streamed (no entry can exist)', async () => {
    const forgotten: unknown[] = [];
    const stream = new ResponseStream(1, false, undefined, 10, async (id) => {
      forgotten.push(id);
    });
    stream.forget(1);
    await stream.settled();
    expect(forgotten).toEqual([]);
  });

  it("loggingOnly: logs what a replica finishing another replica's call relays, final response included", async () => {
    const logged: [string, boolean][] = [];
    const stream = ResponseStream.loggingOnly(async (message, final) => {
      logged.push(['method' in message ? message.method : 'response', final]);
      return undefined;
    });
    stream.send(progress);
    stream.respond(response(3));
    stream.send(progress); // after the final response: ignored
    await stream.settled();
    expect(logged).toEqual([
      ['notifications/progress', false],
      ['response', true],
    ]);
  });

  it('asks its feeder to wait while the event log is more than maxPendingLogs behind', async () => {
    const writes: (() => void)[] = [];
    const slowLog = () =>
      new Promise<string>((resolve) => writes.push(() => resolve(`e${writes.length}`)));
    const stream = new ResponseStream(1, false, slowLog, undefined, undefined, 3);
    for (let i = 0; i < 3; i++) stream.send(progress);
    expect(stream.caughtUp()).toBeUndefined();
    stream.send(progress);
    const behind = stream.caughtUp();
    expect(behind).toBeInstanceOf(Promise);
    let settled = false;
    void behind!.then(() => (settled = true));
    // The log writes one event at a time; the wait ends once all four are written.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      writes[i]!();
    }
    await behind;
    expect(stream.caughtUp()).toBeUndefined();
  });
});
