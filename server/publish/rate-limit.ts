/**
 * Token buckets for publish rate limits: `rate` tokens a second, bursts up to `rate`.
 * One bucket per client connection (owned by the connection) and one per IP (in a map that
 * forgets full buckets, so it stays bounded by the number of recently active IPs).
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly rate: number,
    readonly clock: () => number = Date.now,
  ) {
    this.#tokens = rate;
    this.#last = clock();
  }

  /** Takes a token; returns 0 if one was there, else the ms until one will be. */
  take(): number {
    if (this.rate <= 0) return 0;
    const t = this.clock();
    this.#tokens = Math.min(this.rate, this.#tokens + ((t - this.#last) / 1000) * this.rate);
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.rate) * 1000);
  }

  /** True when the bucket has refilled completely, so forgetting it changes nothing. */
  get full(): boolean {
    return this.#tokens + ((this.clock() - this.#last) / 1000) * this.rate >= this.rate;
  }
}

/** Buckets keyed by IP address; `take` as on TokenBucket. */
export class KeyedLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly rate: number,
    readonly clock: () => number = Date.now,
  ) {}

  take(key: string): number {
    if (this.rate <= 0) return 0;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= 10_000) this.#sweep();
      bucket = new TokenBucket(this.rate, this.clock);
      this.#buckets.set(key, bucket);
    }
    return bucket.take();
  }

  get size(): number {
    return this.#buckets.size;
  }

  #sweep(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.full) this.#buckets.delete(key);
  }
}
