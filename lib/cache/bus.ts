// Cache invalidation messages between processes: the catalog says what a harvest changed,
// an admin purges; the gateway's response cache and the subgraphs' upstream caches listen.
// Always delivered in-process; across processes through Redis pub/sub when configured.

import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { duplicateQueued, type RedisClient } from '../redis.ts';
import { log } from '../observability/log.ts';

export type Invalidation =
  /** These listings changed or vanished: drop answers and upstream details that hold them. */
  | { kind: 'datasets'; ids: string[] }
  /**
   * The set of listings of an exchange changed (search results may differ): drop answers that
   * hold its listings; `upstream` also drops its cached upstream details (admin purge).
   */
  | { kind: 'exchange'; exchange: string; upstream: boolean }
  | { kind: 'all' };

export interface InvalidationBus {
  publish(message: Invalidation): Promise<void>;
  subscribe(handler: (message: Invalidation) => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'invalidate';

export class LocalBus implements InvalidationBus {
  protected readonly emitter = new EventEmitter().setMaxListeners(100);

  async publish(message: Invalidation): Promise<void> {
    this.emitter.emit('message', message);
  }

  subscribe(handler: (message: Invalidation) => void): () => void {
    const safe = (m: Invalidation) => {
      try {
        handler(m);
      } catch (e) {
        log.error({ component: 'cache', err: e }, 'invalidation handler failed');
      }
    };
    this.emitter.on('message', safe);
    return () => this.emitter.off('message', safe);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** Local delivery plus Redis pub/sub; messages this process sent are not delivered twice. */
export class RedisBus extends LocalBus {
  private readonly publisher: RedisClient;

  private readonly origin = randomUUID();
  private readonly subscriber: RedisClient;

  constructor(publisher: RedisClient) {
    super();
    this.publisher = publisher;
    // The subscription must survive start-up and reconnects: queue it until connected
    // (ioredis re-subscribes by itself after a reconnect; on a cluster, PUBLISH reaches every
    // node and ioredis moves the subscription to another node when its node goes away).
    this.subscriber = duplicateQueued(publisher);
    const channel = (publisher.options.keyPrefix ?? '') + CHANNEL;
    // Subscribed on every (re)connection too: SUBSCRIBE is idempotent, and a subscription whose
    // reply was lost with its connection is then made again instead of missed for good.
    const subscribe = () => void this.subscriber.subscribe(channel).catch(() => undefined);
    subscribe();
    this.subscriber.on('ready', subscribe);
    this.subscriber.on('message', (_channel: string, text: string) => {
      try {
        const { origin, message } = JSON.parse(text) as { origin: string; message: Invalidation };
        if (origin !== this.origin) this.emitter.emit('message', message);
      } catch {
        // Not ours, or torn: ignore.
      }
    });
  }

  override async publish(message: Invalidation): Promise<void> {
    await super.publish(message);
    const channel = (this.publisher.options.keyPrefix ?? '') + CHANNEL;
    // PUBLISH ignores keyPrefix; a failure only means other processes rely on TTLs.
    await this.publisher.publish(channel, JSON.stringify({ origin: this.origin, message })).catch(() => undefined);
  }

  override async close(): Promise<void> {
    await super.close();
    this.subscriber.disconnect();
  }
}
