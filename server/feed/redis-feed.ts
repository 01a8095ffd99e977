import { Redis, type RedisOptions } from 'ioredis';
import type { FeedMessage } from '../../protocol/wire.ts';
import { PushraceError } from '../errors.ts';
import { Confirmations, RecentMessages } from './delivery.ts';
import {
  type Feed,
  type FeedSubscriber,
  FeedUnreachable,
  type PublishInput,
  type PublishResult,
  type ReadOptions,
  type ReadResult,
  type ResetListener,
} from './feed.ts';
import { Listeners } from './listeners.ts';
import { newEpoch, now } from './memory-feed.ts';
import {
  decodePublish,
  decodeRead,
  decodeXread,
  type Entry,
  entryId,
  type FeedKeys,
  feedKeys,
  SCRIPTS,
  type Script,
} from './redis-scripts.ts';

/** Where the feed reports what an operator should know: the store going away and coming back, a new epoch. */
export interface FeedLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface RedisFeedOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  historySize: number;
  /** Key prefix: feeds with different prefixes share a Redis without meeting. Default `pushrace`. */
  prefix?: string;
  /**
   * How long any command may take (and a publish may wait for this instance's reader to
   * deliver it) before it fails with FEED_UNAVAILABLE. Default 2000 ms.
   */
  timeoutMs?: number;
  /**
   * The reader's `XREAD BLOCK`: after this long without a message it checks the epoch, so a
   * quiet instance notices within it that Redis lost its data. Default 1000 ms.
   */
  blockMs?: number;
  /** Clock for `ts`, injectable for tests (default: performance.timeOrigin + performance.now()). */
  clock?: () => number;
  onListenerError?: (err: unknown) => void;
  log?: FeedLog;
}

/** Entries the reader takes per XREAD: one batch is delivered in one turn of the event loop. */
const READ_BATCH = 256;
/** Pause after a failed command on a connection that looks alive (a timeout), and the longest wait for a reconnect. */
const RETRY_MS = 200;
const RECONNECT_WAIT_MS = 1000;
/** Epochs remembered as gone, so a late answer from before a change is not taken for news. */
const RETIRED_KEPT = 16;

const unavailable = (message?: string) => new PushraceError('FEED_UNAVAILABLE', message);
const silent: FeedLog = { info() {}, warn() {} };

/**
 * The feed on Redis Streams (keys and scripts: redis-scripts.ts), for several server instances
 * behind one load balancer: one global seq, one history, one epoch. Each instance keeps one
 * blocking reader (`XREAD BLOCK` on a connection of its own) that delivers every message, in
 * seq order and once, to the instance's local subscribers; publishes and reads go through a
 * second connection, as atomic scripts. `epoch` and `head` are cached, kept current by the
 * reader and by every script's answer.
 *
 * Failure: commands fail fast (no offline queue, no retry of a command, a timeout on each),
 * as FEED_UNAVAILABLE, while the connections reconnect on their own. When Redis returns, the
 * reader resumes where it was (the data survived: nobody sees a thing) or the scripts find the
 * epoch gone, create one new epoch for every instance, and subscribers hear `onReset`.
 */
export class RedisFeed implements Feed {
  readonly #command: Redis;
  readonly #reader: Redis;
  readonly #keys: FeedKeys;
  readonly #historySize: number;
  readonly #timeoutMs: number;
  readonly #blockMs: number;
  readonly #clock: () => number;
  readonly #log: FeedLog;
  readonly #where: string;
  readonly #listeners: Listeners;
  #epoch = '';
  #head = 0;
  readonly #retired = new Set<string>();
  /** The last seq the reader delivered in this epoch. */
  #position = 0;
  /** Moves on every epoch change: a reader reply from before one is dropped. */
  #generation = 0;
  readonly #recent: RecentMessages;
  /** Publishes waiting for the reader to deliver them. */
  readonly #confirmations: Confirmations;
  #readerId: number | undefined;
  #healthy = true;
  /** The first connection error: what a failed open names (ioredis rejects with a vaguer one). */
  #firstError: Error | undefined;
  /** Open (the first sync done): from then on the store's state changes are logged. */
  #open = false;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();

  private constructor(opts: RedisFeedOptions) {
    if (!Number.isInteger(opts.historySize) || opts.historySize < 1) {
      throw new RangeError('historySize must be a positive integer');
    }
    this.#keys = feedKeys(opts.prefix ?? 'pushrace');
    this.#historySize = opts.historySize;
    this.#timeoutMs = opts.timeoutMs ?? 2000;
    this.#blockMs = opts.blockMs ?? 1000;
    this.#clock = opts.clock ?? now;
    this.#log = opts.log ?? silent;
    this.#listeners = new Listeners(opts.onListenerError);
    this.#recent = new RecentMessages(opts.historySize);
    this.#confirmations = new Confirmations(this.#timeoutMs, () =>
      unavailable('stored, but not confirmed by this instance in time'),
    );
    const url = new URL(opts.url);
    this.#where = `${url.hostname}:${url.port || '6379'}`;
    // Fail fast, reconnect forever: a command never waits for a connection (no offline queue)
    // nor is retried on the next one (a publish is retried by its client, with its id).
    // RESP2: the reply shapes the Redis documentation gives (redis-scripts.ts decodes those).
    const common: RedisOptions = {
      protocol: 2,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.#timeoutMs,
      retryStrategy: (times: number) => Math.min(50 * times, 500),
    };
    this.#command = new Redis(opts.url, { ...common, commandTimeout: this.#timeoutMs });
    this.#reader = new Redis(opts.url, { ...common, commandTimeout: this.#blockMs + this.#timeoutMs });
    for (const conn of [this.#command, this.#reader]) {
      conn.on('error', (err: Error) => {
        this.#firstError ??= err;
        this.#health(false, err);
      });
    }
    this.#reader.on('close', () => {
      this.#readerId = undefined;
    });
  }

  /**
   * Connects, learns (or creates) the epoch and head, and starts the reader. Throws when Redis
   * cannot be reached within the timeout: a server configured for Redis does not start without.
   */
  static async open(opts: RedisFeedOptions): Promise<RedisFeed> {
    const feed = new RedisFeed(opts);
    try {
      await Promise.all([feed.#command.connect(), feed.#reader.connect()]);
      await feed.#sync(feed.#reader);
    } catch (err) {
      await feed.close();
      const cause = feed.#firstError ?? (err instanceof Error && err.cause instanceof Error ? err.cause : err);
      const why = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, '');
      throw new FeedUnreachable(`cannot reach Redis at ${feed.#where} (REDIS_URL): ${why}`);
    }
    feed.#open = true;
    feed.#loop = feed.#run();
    return feed;
  }

  get epoch(): string {
    return this.#epoch;
  }

  get head(): number {
    return this.#head;
  }

  /** False from a failed Redis request until one succeeds again. */
  get available(): boolean {
    return this.#healthy && !this.#closed;
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  subscribe(listener: (message: FeedMessage) => void, onReset?: ResetListener): () => void {
    return this.#listeners.add(listener, onReset);
  }
  attach(subscriber: FeedSubscriber): void {
    this.#listeners.attach(subscriber);
  }

  detach(subscriber: FeedSubscriber): void {
    this.#listeners.detach(subscriber);
  }

  /** Stores the message, then resolves once this instance's reader has delivered it. */
  async publish(input: PublishInput): Promise<PublishResult> {
    const args = [
      String(this.#historySize),
      String(this.#clock()),
      input.source,
      JSON.stringify(input.body) ?? 'null',
      input.id ?? '',
      input.encoding ?? '',
    ];
    const reply = decodePublish(await this.#eval(this.#command, SCRIPTS.publish, args));
    this.#observe(reply.epoch, reply.head);
    const { seq } = reply.entry.message;
    if (reply.epoch === this.#epoch && seq > this.#position) await this.#confirmations.wait(reply.epoch, seq);
    return { message: this.#shared(reply.epoch, reply.entry.message), duplicate: reply.duplicate };
  }

  async read(after: number | undefined, opts: ReadOptions = {}): Promise<ReadResult> {
    const limit = opts.limit !== undefined && Number.isFinite(opts.limit) ? String(opts.limit) : '0';
    const args = [after === undefined ? '' : String(after), opts.epoch ?? '', limit];
    const r = decodeRead(await this.#eval(this.#command, SCRIPTS.read, args));
    this.#observe(r.epoch, r.head);
    if (after === undefined) return { epoch: r.epoch, cursor: r.head, messages: [], reset: false };
    const messages = r.entries.map((e) => this.#shared(r.epoch, e.message));
    const last = messages.at(-1);
    const cursor = last ? last.seq : r.reset ? r.from - 1 : after;
    return { epoch: r.epoch, cursor, messages, reset: r.reset };
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#loop;
    this.#closed = true;
    this.#confirmations.fail(unavailable('the feed is closed'));
    this.#reader.disconnect();
    this.#command.disconnect();
    return this.#loop;
  }

  // ---- the reader ----

  /**
   * The blocking reader: XREAD from the last delivered seq, deliver, repeat. A quiet period (the
   * block timing out, or an unblock after an epoch change) is followed by an epoch check; a
   * failure by a wait for the connection and an epoch check, so a Redis that came back empty
   * is noticed instead of waited on forever above its old position.
   */
  async #run(): Promise<void> {
    let check = false;
    while (!this.#closed) {
      const generation = this.#generation;
      try {
        if (check) {
          await this.#sync(this.#reader);
          check = false;
          continue;
        }
        const args = ['COUNT', READ_BATCH, 'BLOCK', this.#blockMs, 'STREAMS', this.#keys.stream];
        const entries = decodeXread(await this.#reader.call('XREAD', ...args, entryId(this.#position)));
        this.#health(true);
        if (generation !== this.#generation) continue;
        if (entries === null) {
          check = true;
          continue;
        }
        const foreign = this.#deliver(entries);
        if (foreign === 0) continue;
        await this.#sync(this.#reader);
        // Still this epoch: an entry written by something else than these scripts; step over it.
        if (generation === this.#generation) this.#position = foreign;
      } catch (err) {
        if (this.#closed) return;
        this.#health(false, err);
        await this.#reconnected(this.#reader);
        check = true;
      }
    }
  }

  /**
   * Delivers a batch in order and releases the publishes it confirms. Stops at an entry of
   * another epoch (Redis lost the stream and it was refilled past this reader's position) and
   * answers its seq, 0 when there was none.
   */
  #deliver(entries: Entry[]): number {
    let foreign = 0;
    for (const { epoch, message } of entries) {
      if (epoch !== this.#epoch) {
        foreign = message.seq;
        break;
      }
      if (message.seq <= this.#position) continue;
      this.#position = message.seq;
      if (message.seq > this.#head) this.#head = message.seq;
      this.#listeners.message(this.#recent.share(message));
    }
    this.#confirmations.delivered(this.#epoch, this.#position);
    return foreign;
  }

  /** Asks Redis for the epoch and head (creating a new epoch if the data is gone), and the reader's id. */
  async #sync(conn: Redis): Promise<void> {
    const r = decodeRead(await this.#eval(conn, SCRIPTS.read, ['', '', '0']));
    this.#observe(r.epoch, r.head);
    if (conn === this.#reader && this.#readerId === undefined) {
      const id = await conn.call('CLIENT', 'ID');
      this.#readerId = typeof id === 'number' ? id : undefined;
    }
  }

  /** Waits (bounded) for `conn` to be ready again after a failure; never spins on a live one. */
  #reconnected(conn: Redis): Promise<void> {
    return new Promise((resolve) => {
      const wait = conn.status === 'ready' ? RETRY_MS : RECONNECT_WAIT_MS;
      const done = () => {
        clearTimeout(timer);
        conn.off('ready', done);
        conn.off('end', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      if (conn.status !== 'ready') conn.once('ready', done);
      conn.once('end', done);
    });
  }

  // ---- epoch and head ----

  /** Takes in what Redis answered: a newer head, or a new epoch (a retired one is old news). */
  #observe(epoch: string, head: number): void {
    if (epoch === this.#epoch) {
      if (head > this.#head) this.#head = head;
      return;
    }
    if (this.#retired.has(epoch)) return;
    this.#adopt(epoch, head);
  }

  /**
   * The history this instance knew is gone: take the new epoch, start the reader over from its
   * beginning (unblocking it), release the publishes of the old epoch, tell the subscribers.
   */
  #adopt(epoch: string, head: number): void {
    const first = this.#epoch === '';
    if (!first) {
      this.#retired.add(this.#epoch);
      if (this.#retired.size > RETIRED_KEPT) this.#retired.delete(this.#retired.values().next().value ?? '');
      this.#log.warn(
        { event: 'feed-epoch', from: this.#epoch, to: epoch, lostHead: this.#head },
        'Redis lost the feed history: new epoch, clients will reset',
      );
    }
    this.#epoch = epoch;
    this.#head = head;
    this.#position = 0;
    this.#generation++;
    this.#recent.clear();
    this.#confirmations.epochChanged(epoch);
    if (first) return;
    if (this.#readerId !== undefined) {
      this.#command.call('CLIENT', 'UNBLOCK', this.#readerId).catch(() => {});
    }
    this.#listeners.reset(epoch);
  }

  // ---- helpers ----

  /** The object every client of this instance shares for a message of `epoch` (encode.ts caches by object). */
  #shared(epoch: string, m: FeedMessage): FeedMessage {
    return epoch === this.#epoch ? this.#recent.share(m) : m;
  }

  /** Runs a script (EVALSHA, or EVAL when Redis does not know it: a restart); any failure is FEED_UNAVAILABLE. */
  async #eval(conn: Redis, script: Script, args: string[]): Promise<unknown> {
    if (this.#closed) throw unavailable('the feed is closed');
    const keys = [this.#keys.epoch, this.#keys.stream, this.#keys.ids];
    const all = [...keys, newEpoch(), this.#epoch, String(this.#head), ...args];
    try {
      let reply: unknown;
      try {
        reply = await conn.call('EVALSHA', script.sha, keys.length, ...all);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        reply = await conn.call('EVAL', script.lua, keys.length, ...all);
      }
      this.#health(true);
      return reply;
    } catch (err) {
      this.#health(false, err);
      // The client sees the stable code; the cause (for logs and start-up) stays on the error.
      throw Object.assign(unavailable(), { cause: err });
    }
  }

  /** Logs the store going away and coming back, once each. */
  #health(ok: boolean, err?: unknown): void {
    if (ok === this.#healthy || this.#closed || !this.#open) return;
    this.#healthy = ok;
    if (ok) this.#log.info({ event: 'feed-available', redis: this.#where }, 'Redis is answering again');
    else {
      const reason = err instanceof Error ? err.message : String(err);
      this.#log.warn({ event: 'feed-unavailable', redis: this.#where, reason }, 'Redis is not answering');
    }
  }
}
