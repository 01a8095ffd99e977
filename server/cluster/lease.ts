import type { ClusterBus } from './bus.ts';

/** Extends the lease when its holder is still the caller: KEYS[1] lease, ARGV[1] holder, ARGV[2] ms. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** Deletes a key only when it still names the caller: KEYS[1], ARGV[1] holder. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * A leader lease in Redis: the key `{P}:leader` names the one instance that runs the feed's
 * generators, so a cluster of N instances publishes one ticker, not N. Every instance tries
 * every third of `ttlMs`: the holder renews (only while the key still names it), the others take
 * the key when it is free (`SET NX PX`). A leader that dies stops renewing and its key expires:
 * another instance leads within `ttlMs` plus a third. A leader that cannot reach Redis steps
 * down before its lease can have expired (it cannot know whether another took over), and one
 * that closes hands the key back at once.
 */
export class LeaderLease {
  readonly #bus: ClusterBus;
  readonly #ttlMs: number;
  readonly #onChange: (leader: boolean) => void;
  #leader = false;
  /** Until when the lease surely holds: the start of the last successful renew plus the TTL. */
  #heldUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(bus: ClusterBus, ttlMs: number, onChange: (leader: boolean) => void) {
    this.#bus = bus;
    this.#ttlMs = ttlMs;
    this.#onChange = onChange;
  }

  get leader(): boolean {
    return this.#leader;
  }

  /** Starts trying (at once, then every third of the TTL). */
  start(): void {
    void this.#tick();
  }

  async #tick(): Promise<void> {
    const started = Date.now();
    const key = this.#bus.key('leader');
    try {
      const ok = this.#leader
        ? (await this.#bus.call('EVAL', RENEW, 1, key, this.#bus.instance, this.#ttlMs)) === 1
        : (await this.#bus.call('SET', key, this.#bus.instance, 'NX', 'PX', this.#ttlMs)) === 'OK';
      if (ok) this.#heldUntil = started + this.#ttlMs;
      // Stopped while asking: a key just taken goes back at once.
      if (this.#stopped && ok) await this.#release();
      if (!this.#stopped) this.#set(ok);
    } catch {
      // Redis away: keep leading only while the lease surely holds (a margin of one period).
      if (this.#leader && Date.now() > this.#heldUntil - this.#ttlMs / 3) this.#set(false);
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), this.#ttlMs / 3);
    this.#timer.unref();
  }

  #set(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#onChange(leader);
  }

  /** Stops trying; a leader gives the key back so that another takes over at its next try. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (!this.#leader) return;
    this.#set(false);
    await this.#release();
  }

  async #release(): Promise<void> {
    await this.#bus.call('EVAL', RELEASE, 1, this.#bus.key('leader'), this.#bus.instance).catch(() => {});
  }
}
