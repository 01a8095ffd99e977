/**
 * The little every raw client does with a message: find `"seq":N,"ts":T` in the bytes (every
 * server sends the same message JSON, keys in that order), check it is the next seq, and keep
 * its latency. No JSON.parse, no per-message object: the client's cost per message must stay
 * far below the server's, or the client core measures itself.
 */

const SEQ = Buffer.from('"seq":');
const TS = Buffer.from(',"ts":');
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/** Wall-clock ms with sub-ms precision, the clock the servers stamp `ts` with. */
export const now = (): number => performance.timeOrigin + performance.now();

/** Calls `on(seq, ts)` for each message in `buf[from, to)`; a message cut at `to` is not seen. */
export function scanMessages(buf: Buffer, from: number, to: number, on: (seq: number, ts: number) => void): void {
  let at = from;
  for (;;) {
    const i = buf.indexOf(SEQ, at);
    if (i < 0 || i >= to) return;
    let p = i + SEQ.length;
    let seq = 0;
    while (p < to && (buf[p] ?? 0) >= DIGIT_0 && (buf[p] ?? 0) <= DIGIT_9) seq = seq * 10 + (buf[p++] ?? 0) - DIGIT_0;
    if (p + TS.length > to || buf.compare(TS, 0, TS.length, p, p + TS.length) !== 0) return;
    p += TS.length;
    const start = p;
    while (p < to && buf[p] !== 0x2c && buf[p] !== 0x7d) p++;
    if (p >= to) return;
    on(seq, Number(buf.toString('latin1', start, p)));
    at = p;
  }
}

/** The integer after `key` (and any spaces) in `buf`, or null. */
export function numberAfter(buf: Buffer, key: Buffer): number | null {
  const i = buf.indexOf(key);
  if (i < 0) return null;
  let p = i + key.length;
  while (buf[p] === 0x20 || buf[p] === 0x09) p++;
  let n = 0;
  const start = p;
  while ((buf[p] ?? 0) >= DIGIT_0 && (buf[p] ?? 0) <= DIGIT_9) n = n * 10 + (buf[p++] ?? 0) - DIGIT_0;
  return p > start ? n : null;
}

/** A growable Float64Array: samples of one load process, handed over IPC as one typed array. */
export class Samples {
  #data = new Float64Array(1024);
  #length = 0;

  push(x: number): void {
    if (this.#length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = x;
  }

  clear(): void {
    this.#length = 0;
  }

  take(): Float64Array {
    return this.#data.slice(0, this.#length);
  }
}

/** What every client records: the order of seqs (per client) and latencies (per process). */
export class Tracker {
  /** Highest seq received in order; starts at the head when the client connected. */
  last: number;
  /** Seqs skipped (a gap), since `mark`. */
  lost = 0;
  /** Seqs received again or out of order, since `mark`. */
  duplicated = 0;
  /** Requests put on the wire since `mark` (the upgrade or the stream's GET count one). */
  requests = 0;
  readonly #latencies: Samples;
  /** Every reception, duplicates included, with its latency: kept only when a harness run needs them per client. */
  readonly received: { seqs: number[]; latencies: number[] } | null;

  constructor(head: number, latencies: Samples, record = false) {
    this.last = head;
    this.#latencies = latencies;
    this.received = record ? { seqs: [], latencies: [] } : null;
  }

  /** One message received at `at` (ms, `now()`). */
  receive(seq: number, ts: number, at: number): void {
    if (this.received) {
      this.received.seqs.push(seq);
      this.received.latencies.push(at - ts);
    }
    if (seq <= this.last) {
      this.duplicated++;
      return;
    }
    this.lost += seq - this.last - 1;
    this.last = seq;
    this.#latencies.push(at - ts);
  }

  mark(): void {
    this.lost = 0;
    this.duplicated = 0;
    this.requests = 0;
    if (this.received) {
      this.received.seqs = [];
      this.received.latencies = [];
    }
  }
}
