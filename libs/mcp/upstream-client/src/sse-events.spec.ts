import { SseEventTooLargeError, readSseEvents, type EventSourceMessage } from './sse-events';

async function* chunks(...parts: string[]) {
  for (const part of parts) yield new TextEncoder().encode(part);
}

describe('readSseEvents', () => {
  it('delivers events split across chunks, including multi-byte characters', async () => {
    const seen: EventSourceMessage[] = [];
    const euro = new TextEncoder().encode('€');
    async function* split() {
      yield new TextEncoder().encode('id: 1\ndata: {"a":"');
      yield euro.slice(0, 1);
      yield euro.slice(1);
      yield new TextEncoder().encode('"}\n\n: keepalive\n\nid: 2\ndata: x\n\n');
    }
    await expect(readSseEvents(split(), 1000, async (e) => (seen.push(e), false))).resolves.toBe(
      'ended',
    );
    expect(seen.map((e) => [e.id, e.data])).toEqual([
      ['1', '{"a":"€"}'],
      ['2', 'x'],
    ]);
  });

  it('stops when asked', async () => {
    const result = await readSseEvents(chunks('data: 1\n\ndata: 2\n\n'), 1000, async () => true);
    expect(result).toBe('stopped');
  });

  it('refuses an event larger than the limit, even before it is complete', async () => {
    const big = `data: ${'x'.repeat(200)}`;
    await expect(readSseEvents(chunks(big), 100, async () => false)).rejects.toBeInstanceOf(
      SseEventTooLargeError,
    );
  });
});
