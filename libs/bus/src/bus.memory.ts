import type { Bus, BusHandler } from './bus';

/** In-process bus for the embedded all-in-one and unit tests. Messages are structured-cloned. */
export class InMemoryBus implements Bus {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  async publish(channel: string, message: unknown): Promise<void> {
    const copy = structuredClone(message);
    for (const handler of this.handlers.get(channel) ?? []) {
      queueMicrotask(() => handler(copy));
    }
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
