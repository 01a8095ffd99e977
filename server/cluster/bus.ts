import { Redis, type RedisOptions } from 'ioredis';
import type { FeedSettings } from '../../protocol/control.ts';
import type { InstanceStats } from '../../protocol/wire.ts';
import { PushraceError } from '../errors.ts';
import { FeedUnreachable } from '../feed/feed.ts';

/**
 * The instances' talk over Redis, beside the feed: one connection for commands, one subscribed
 * to the cluster's channel (everyone) and to this instance's own (answers to its questions).
 * It fails fast as the feed does (no offline queue, a timeout on every command, reconnecting on
 * its own): a control request during an outage is answered 503 `FEED_UNAVAILABLE`, never held.
 *
 * Keys and channels carry the feed's prefix as a hash tag, beside the feed's own keys:
 * `{P}:settings`, `{P}:leader`, `{P}:burst`; channels `{P}:cluster` and `{P}:to:<instance>`.
 */
export class ClusterBus {
  readonly prefix: string;
  readonly instance: string;
  readonly #command: Redis;
  readonly #subscriber: Redis;
  #handler: (message: BusMessage) => void = () => {};
  #closed = false;

  private constructor(opts: BusOptions) {
    this.prefix = opts.prefix;
    this.instance = opts.instance;
    const common: RedisOptions = {
      protocol: 2,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: opts.timeoutMs,
      retryStrategy: (times: number) => Math.min(50 * times, 500),
    };
    this.#command = new Redis(opts.url, { ...common, commandTimeout: opts.timeoutMs });
    // The subscriber re-subscribes by itself after a reconnect (ioredis autoResubscribe).
    this.#subscriber = new Redis(opts.url, { ...common, enableOfflineQueue: true });
    // Errors surface as failed commands (503) and in the feed's own log; a listener keeps
    // ioredis from printing each reconnect attempt.
    for (const conn of [this.#command, this.#subscriber]) conn.on('error', () => {});
    this.#subscriber.on('message', (_channel: string, raw: string) => {
      let message: BusMessage;
      try {
        message = JSON.parse(raw) as BusMessage;
      } catch {
        return;
      }
      this.#handler(message);
    });
  }

  /** Connects both connections and subscribes; throws FeedUnreachable when Redis does not answer. */
  static async open(opts: BusOptions): Promise<ClusterBus> {
    const bus = new ClusterBus(opts);
    try {
      await Promise.all([bus.#command.connect(), bus.#subscriber.connect()]);
      await bus.#subscriber.subscribe(bus.channel, bus.inbox(opts.instance));
    } catch (err) {
      await bus.close();
      throw new FeedUnreachable(`cannot reach Redis for the cluster: ${err instanceof Error ? err.message : err}`);
    }
    return bus;
  }

  /** The channel every instance hears. */
  get channel(): string {
    return `{${this.prefix}}:cluster`;
  }

  /** The channel only `instance` hears: answers to its questions. */
  inbox(instance: string): string {
    return `{${this.prefix}}:to:${instance}`;
  }

  /** A key of the cluster's, beside the feed's. */
  key(name: 'settings' | 'leader' | 'burst'): string {
    return `{${this.prefix}}:${name}`;
  }

  /** Where every message heard goes (one handler: the coordinator's). */
  onMessage(handler: (message: BusMessage) => void): void {
    this.#handler = handler;
  }

  /** Publishes to `channel`; answers how many subscribers heard it. */
  async publish(channel: string, message: BusMessage): Promise<number> {
    const heard = await this.call('PUBLISH', channel, JSON.stringify(message));
    return typeof heard === 'number' ? heard : 0;
  }

  /** One command; any failure is 503 FEED_UNAVAILABLE (the cause kept for logs). */
  async call(command: string, ...args: (string | number)[]): Promise<unknown> {
    if (this.#closed) throw new PushraceError('FEED_UNAVAILABLE', 'the server is closing');
    try {
      return await this.#command.call(command, ...args);
    } catch (err) {
      throw Object.assign(new PushraceError('FEED_UNAVAILABLE'), { cause: err });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscriber.disconnect();
    this.#command.disconnect();
  }
}

export interface BusOptions {
  url: string;
  prefix: string;
  instance: string;
  timeoutMs: number;
}

/**
 * What instances tell each other. `settings`: new generator settings are in force (every
 * instance adopts them, the leader restarts its generators). `clear`: zero your counters.
 * `stats?`: send your counters to `from`'s inbox, tagged `rid`; `stats` is that answer.
 */
export type BusMessage =
  | { type: 'settings'; settings: FeedSettings }
  | { type: 'clear' }
  | { type: 'stats?'; rid: string; from: string }
  | { type: 'stats'; rid: string; from: string; stats: InstanceStats };
