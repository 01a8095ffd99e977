import type { FeedSettings } from '../../protocol/control.ts';
import type { StatsResponse } from '../../protocol/wire.ts';
import { PushraceError } from '../errors.ts';
import type { SourceSet } from '../feed/sources.ts';
import type { Stats } from '../observe/stats.ts';

/**
 * What the control routes and `/api/stats` act on: this process alone (the in-memory feed), or
 * every instance serving one Redis feed (redis-coordinator.ts). A control request may reach any
 * instance, so what it changes must be the cluster's: the generators' settings, the one burst
 * at a time, the counters. The routes do not know which they have.
 */
export interface Coordinator {
  /** Whether the generators run in this process (alone: always; in a cluster: its leader). */
  readonly leader: boolean;
  /** The generators' settings now in force (the cluster's, as this instance last heard them). */
  settings(): FeedSettings;
  /** Puts `next` in force everywhere (the generators run once, wherever they run); answers it. */
  applySettings(next: FeedSettings): Promise<FeedSettings>;
  /**
   * Runs `fn` holding the one burst lock: a second burst anywhere is refused with 429
   * `BURST_IN_PROGRESS` until `fn` settles.
   */
  withBurstLock<T>(fn: () => Promise<T>): Promise<T>;
  /** The counters of every instance, summed (and each, in a cluster). */
  stats(): Promise<StatsResponse>;
  /** Zeroes every instance's cumulative counters. */
  clearStats(): Promise<void>;
  /** Starts the generators (here, or in the cluster's leader): once the server listens. */
  start(): void;
  /** Stops the generators and lets go of whatever the coordinator holds. */
  close(): Promise<void>;
}

/** A copy of a SourceSet's settings in the wire shape. */
export function settingsOf(sources: SourceSet): FeedSettings {
  const s = sources.settings;
  return { sources: [...s.sources], tickerIntervalMs: s.tickerIntervalMs, logRate: s.logRate, timing: s.timing };
}

/** The single-process coordinator: everything is this process's own, as before there were clusters. */
export class LocalCoordinator implements Coordinator {
  readonly #sources: SourceSet;
  readonly #stats: Stats;
  readonly #feed: { readonly epoch: string; readonly head: number };
  #bursting = false;

  constructor(deps: { sources: SourceSet; stats: Stats; feed: { readonly epoch: string; readonly head: number } }) {
    this.#sources = deps.sources;
    this.#stats = deps.stats;
    this.#feed = deps.feed;
  }

  get leader(): boolean {
    return true;
  }

  settings(): FeedSettings {
    return settingsOf(this.#sources);
  }

  async applySettings(next: FeedSettings): Promise<FeedSettings> {
    this.#sources.apply(next);
    return this.settings();
  }

  async withBurstLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#bursting) throw new PushraceError('BURST_IN_PROGRESS');
    this.#bursting = true;
    try {
      return await fn();
    } finally {
      this.#bursting = false;
    }
  }

  async stats(): Promise<StatsResponse> {
    return this.#stats.snapshot(this.#feed);
  }

  async clearStats(): Promise<void> {
    this.#stats.clear();
  }

  start(): void {
    this.#sources.apply(this.#sources.settings);
  }

  async close(): Promise<void> {
    this.#sources.stop();
  }
}
