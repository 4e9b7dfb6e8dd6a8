import { createRedisClient, type RedisClient, type RedisTopology } from '@gatehouse/config';
import type { RedisOptions } from 'ioredis';
import type { Bus, BusHandler } from './bus';

/**
 * Redis pub/sub adapter. A subscribed ioredis connection cannot send other commands, so this
 * holds two: one to publish, one to listen. Channels get the installation's key prefix.
 */
export class RedisBus implements Bus {
  private readonly publisher: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly handlers = new Map<string, Set<BusHandler>>();

  constructor(
    target: string | RedisTopology,
    private readonly prefix: string,
    options: RedisOptions = {},
    private readonly onError: (error: unknown, channel: string) => void = () => undefined,
  ) {
    const topology: RedisTopology =
      typeof target === 'string' ? { kind: 'standalone', url: target } : target;
    this.publisher = createRedisClient(topology, 'bus-pub', { lazyConnect: false, ...options });
    this.subscriber = createRedisClient(topology, 'bus-sub', { lazyConnect: false, ...options });
    this.subscriber.on('message', (fullChannel: string, payload: string) => {
      const channel = fullChannel.slice(this.prefix.length);
      const set = this.handlers.get(channel);
      if (!set) return;
      let message: unknown;
      try {
        message = JSON.parse(payload);
      } catch (error) {
        this.onError(error, channel);
        return;
      }
      for (const handler of set) {
        try {
          handler(message);
        } catch (error) {
          this.onError(error, channel);
        }
      }
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.publisher.publish(this.prefix + channel, JSON.stringify(message));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.subscriber.subscribe(this.prefix + channel);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        await this.subscriber.unsubscribe(this.prefix + channel);
      }
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }
}
