import { Readable } from 'node:stream';
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';

export type { EventSourceMessage };

export class SseEventTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`an SSE event exceeded ${maxBytes} bytes`);
    this.name = 'SseEventTooLargeError';
  }
}

/**
 * Feeds an HTTP body through eventsource-parser and hands each event to `onEvent` in order, as
 * soon as it is complete. `onEvent` returns true to stop reading (e.g. the response arrived).
 * Resolves 'ended' when the body ends, 'stopped' when onEvent asked to stop.
 */
export async function readSseEvents(
  body: AsyncIterable<Uint8Array | string>,
  maxEventBytes: number,
  onEvent: (event: EventSourceMessage) => Promise<boolean>,
): Promise<'ended' | 'stopped'> {
  const ready: EventSourceMessage[] = [];
  let parseFailure: ParseError | undefined;
  const parser = createParser({
    // Bounds what the parser buffers for one unfinished event, so a hostile upstream cannot
    // make us hold an endless event in memory; counted in characters, checked in bytes below.
    maxBufferSize: maxEventBytes,
    onEvent: (event) => ready.push(event),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') parseFailure = error;
    },
  });
  const decoder = new TextDecoder();
  // Leaving a stream's async iterator early destroys the stream with a fresh AbortError (stack
  // trace and all): on the hot path that was ~4 % of the gateway's CPU, once per tool call.
  // Stopping after the response leaves the rest of the body to the caller (which drains it so
  // the connection goes back to the pool); only a failure destroys it.
  const chunks = isReadable(body) ? body.iterator({ destroyOnReturn: false }) : body;
  try {
    for await (const chunk of chunks) {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      if (parseFailure !== undefined) throw new SseEventTooLargeError(maxEventBytes);
      while (ready.length > 0) {
        const event = ready.shift();
        if (event === undefined) break;
        if (Buffer.byteLength(event.data, 'utf8') > maxEventBytes) {
          throw new SseEventTooLargeError(maxEventBytes);
        }
        if (await onEvent(event)) return 'stopped';
      }
    }
  } catch (error) {
    if (isReadable(body)) {
      // The error is ours to report (thrown below); the stream's own 'error' has no listener left.
      body.on('error', () => undefined);
      body.destroy();
    }
    throw error;
  }
  return 'ended';
}

function isReadable(body: AsyncIterable<Uint8Array | string>): body is Readable {
  return body instanceof Readable;
}
