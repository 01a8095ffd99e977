import { randomBytes } from 'node:crypto';
import type { FeedSettings } from '../../protocol/control.ts';
import type { InstanceStats, StatsResponse } from '../../protocol/wire.ts';
import { PushraceError } from '../errors.ts';
import type { FeedLog } from '../feed/redis-feed.ts';
import type { SourceSet } from '../feed/sources.ts';
import { sumStats } from '../observe/cluster-stats.ts';
import type { Stats } from '../observe/stats.ts';
import { type BusMessage, ClusterBus } from './bus.ts';
import { type Coordinator, settingsOf } from './coordinator.ts';
import { LeaderLease, RELEASE } from './lease.ts';

/** Longest a burst may hold the cluster's burst lock if its instance dies mid-burst. */
const BURST_LOCK_MS = 60_000;

export interface RedisCoordinatorOptions {
  url: string;
  prefix: string;
  instance: string;
  timeoutMs: number;
  /** The leader lease's TTL (config.clusterLeaseMs). */
  leaseMs: number;
  /** How long a stats request waits for every instance (config.clusterGatherMs). */
  gatherMs: number;
  sources: SourceSet;
  stats: Stats;
  feed: { readonly epoch: string; readonly head: number };
  log: FeedLog;
}

/** A stats request waiting for its answers. */
interface Gathering {
  expected: number;
  parts: Map<string, InstanceStats>;
  done: () => void;
}

/**
 * The coordinator of an instance among several on one Redis feed (behind a load balancer, or
 * workers of one node:cluster primary). What a control request changes is the cluster's:
 *
 * - settings live in `{P}:settings` and go out on the cluster channel; every instance answers
 *   the same `GET /api/settings`, and re-reads the key every lease period (a message missed
 *   while its subscriber reconnected is not missed for long);
 * - the generators run in one instance only, the holder of the leader lease (lease.ts);
 * - one burst at a time in the whole cluster (`{P}:burst`, `SET NX` with an expiry);
 * - `/api/stats` asks every instance for its counters (`PUBLISH` answers how many heard the
 *   question: that many answers are awaited, at most `gatherMs`) and sums them; clearing is
 *   said on the same channel, so every instance zeroes its counters before it answers a later
 *   question.
 */
export class RedisCoordinator implements Coordinator {
  readonly #bus: ClusterBus;
  readonly #opts: RedisCoordinatorOptions;
  readonly #lease: LeaderLease;
  readonly #gatherings = new Map<string, Gathering>();
  #settings: FeedSettings;
  #refresh: ReturnType<typeof setInterval> | undefined;

  private constructor(bus: ClusterBus, opts: RedisCoordinatorOptions) {
    this.#bus = bus;
    this.#opts = opts;
    this.#settings = settingsOf(opts.sources);
    this.#lease = new LeaderLease(bus, opts.leaseMs, (leader) => this.#leading(leader));
    bus.onMessage((m) => this.#heard(m));
  }

  /**
   * Connects, and takes the cluster's settings (or, the first instance, puts its own
   * configured ones there). Throws FeedUnreachable when Redis cannot be reached.
   */
  static async open(opts: RedisCoordinatorOptions): Promise<RedisCoordinator> {
    const bus = await ClusterBus.open(opts);
    const c = new RedisCoordinator(bus, opts);
    try {
      await c.#load(true);
    } catch (err) {
      await bus.close();
      throw err;
    }
    return c;
  }

  /** Whether this instance runs the generators now. */
  get leader(): boolean {
    return this.#lease.leader;
  }

  settings(): FeedSettings {
    return structuredClone(this.#settings);
  }

  async applySettings(next: FeedSettings): Promise<FeedSettings> {
    await this.#bus.call('SET', this.#bus.key('settings'), JSON.stringify(next));
    this.#adopt(next);
    await this.#bus.publish(this.#bus.channel, { type: 'settings', settings: next });
    return this.settings();
  }

  async withBurstLock<T>(fn: () => Promise<T>): Promise<T> {
    const key = this.#bus.key('burst');
    const took = await this.#bus.call('SET', key, this.#opts.instance, 'NX', 'PX', BURST_LOCK_MS);
    if (took !== 'OK')
      throw new PushraceError('BURST_IN_PROGRESS', 'a burst is being published (by this or another instance)');
    try {
      return await fn();
    } finally {
      await this.#bus.call('EVAL', RELEASE, 1, key, this.#opts.instance).catch(() => {});
    }
  }

  async stats(): Promise<StatsResponse> {
    const rid = randomBytes(6).toString('hex');
    const parts = new Map<string, InstanceStats>();
    let expected = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answered = new Promise<void>((resolve) => {
      this.#gatherings.set(rid, { expected: Number.POSITIVE_INFINITY, parts, done: resolve });
      timer = setTimeout(resolve, this.#opts.gatherMs);
    });
    try {
      expected = await this.#bus.publish(this.#bus.channel, { type: 'stats?', rid, from: this.#opts.instance });
      const g = this.#gatherings.get(rid);
      if (g) g.expected = expected;
      if (parts.size < expected) await answered;
    } catch {
      // Redis away: this instance's own counters, said to be incomplete.
      parts.set(this.#opts.instance, this.#own());
    } finally {
      clearTimeout(timer);
      this.#gatherings.delete(rid);
    }
    return sumStats(this.#opts.feed, parts, expected > 0 && parts.size >= expected);
  }

  async clearStats(): Promise<void> {
    await this.#bus.publish(this.#bus.channel, { type: 'clear' });
  }

  start(): void {
    this.#lease.start();
    this.#refresh = setInterval(() => void this.#load(false).catch(() => {}), this.#opts.leaseMs / 3);
    this.#refresh.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#refresh);
    await this.#lease.stop();
    this.#opts.sources.stop();
    await this.#bus.close();
  }

  // ---- internals ----

  /** This instance's counters, as the cluster sums them. */
  #own(): InstanceStats {
    const { epoch: _epoch, head: _head, ...own } = this.#opts.stats.snapshot(this.#opts.feed);
    return own;
  }

  #heard(m: BusMessage): void {
    switch (m.type) {
      case 'settings':
        this.#adopt(m.settings);
        return;
      case 'clear':
        this.#opts.stats.clear();
        return;
      case 'stats?':
        this.#bus
          .publish(this.#bus.inbox(m.from), {
            type: 'stats',
            rid: m.rid,
            from: this.#opts.instance,
            stats: this.#own(),
          })
          .catch(() => {});
        return;
      case 'stats': {
        const g = this.#gatherings.get(m.rid);
        if (!g) return;
        g.parts.set(m.from, m.stats);
        if (g.parts.size >= g.expected) g.done();
        return;
      }
    }
  }

  /** Reads the cluster's settings (the first time, putting this instance's there if none are). */
  async #load(first: boolean): Promise<void> {
    const key = this.#bus.key('settings');
    if (first) await this.#bus.call('SET', key, JSON.stringify(this.#settings), 'NX');
    const raw = await this.#bus.call('GET', key);
    if (typeof raw === 'string') this.#adopt(JSON.parse(raw) as FeedSettings);
    // Redis lost its data: the settings in force here go back, for the instances to come.
    else await this.#bus.call('SET', key, JSON.stringify(this.#settings), 'NX');
  }

  /** Takes new settings; the leader restarts its generators at them. */
  #adopt(next: FeedSettings): void {
    if (JSON.stringify(next) === JSON.stringify(this.#settings)) return;
    this.#settings = structuredClone(next);
    if (this.#lease.leader) this.#opts.sources.apply(this.#settings);
  }

  #leading(leader: boolean): void {
    if (leader) this.#opts.sources.apply(this.#settings);
    else this.#opts.sources.stop();
    this.#opts.log.info(
      { event: 'cluster-leader', instance: this.#opts.instance, leader },
      leader ? 'this instance leads: it runs the generators' : 'no longer the leader: generators stopped',
    );
  }
}
