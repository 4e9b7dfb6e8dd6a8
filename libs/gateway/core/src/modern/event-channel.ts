import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { SseEvent } from '../response-stream';

/**
 * The SSE body of one modern response: messages pushed as they happen (progress), then the final
 * response, which ends it. Nothing is logged or resumable: 2026-07-28 streams are not resumed.
 */
export class EventChannel implements AsyncIterable<SseEvent> {
  private readonly queue: JSONRPCMessage[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(message: JSONRPCMessage): void {
    if (this.ended) return;
    this.queue.push(message);
    this.wake?.();
  }

  end(final: JSONRPCMessage): void {
    this.push(final);
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SseEvent> {
    for (;;) {
      const message = this.queue.shift();
      if (message !== undefined) {
        yield { message };
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
