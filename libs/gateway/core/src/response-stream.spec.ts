import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ResponseStream } from './response-stream';

const response = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });
const progress: JSONRPCMessage = {
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 1, progress: 1 },
};

async function drain(iterable: AsyncIterable<JSONRPCMessage>) {
  const out: JSONRPCMessage[] = [];
  for await (const m of iterable) out.push(m);
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

  it('switches to SSE at the first intermediate message and relays in order', async () => {
    const stream = new ResponseStream(1, false);
    stream.send(progress);
    const ready = await stream.ready;
    expect(ready.kind).toBe('sse');
    const drained = drain((ready as { events: AsyncIterable<JSONRPCMessage> }).events);
    stream.send(progress);
    stream.respond(response(7));
    expect(await drained).toEqual([progress, progress, response(7)]);
  });

  it('ends instead of growing without bound when the client does not read', async () => {
    const stream = new ResponseStream(1, false, 3);
    for (let i = 0; i < 10; i++) stream.send(progress);
    expect(stream.open).toBe(false);
    const ready = await stream.ready;
    expect(await drain((ready as { events: AsyncIterable<JSONRPCMessage> }).events)).toHaveLength(
      3,
    );
  });
});
