import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEventRecord {
  id: string | undefined;
  data: unknown;
}

/**
 * Reads an SSE response event by event (with eventsource-parser), so a test can stop after N
 * events, like a client whose connection drops.
 */
export class SseReader {
  private readonly events: SseEventRecord[] = [];
  private waiters: (() => void)[] = [];
  private done = false;

  constructor(response: Response) {
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        if (!event.data) return;
        this.events.push({ id: event.id, data: JSON.parse(event.data) });
        this.waiters.forEach((w) => w());
        this.waiters = [];
      },
    });
    void (async () => {
      try {
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // aborted by the test
      } finally {
        this.done = true;
        this.waiters.forEach((w) => w());
      }
    })();
  }

  /** Waits until `count` events have arrived (or the stream ended) and returns them all. */
  async take(count: number, timeoutMs = 10_000): Promise<SseEventRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count && !this.done) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.events.length} of ${count} SSE events after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return [...this.events];
  }
}
