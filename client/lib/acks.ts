import type { PublishAck } from './types.ts';

/** A publish waiting for its ack. */
interface Waiter {
  resolve(ack: PublishAck): void;
  reject(err: Error): void;
}

/**
 * The publishes sent on one WebSocket that wait for their ack, by id: a queue per id, in case
 * a caller reuses one (the server then acks each, the later ones as duplicates). Whatever is
 * still waiting when the socket ends is rejected, since its ack can no longer arrive.
 */
export class Acks {
  readonly #waiting = new Map<string, Waiter[]>();

  /** Waits for the ack of `id`; the returned function forgets it again (the send failed). */
  add(id: string, waiter: Waiter): () => void {
    const queue = this.#waiting.get(id) ?? [];
    queue.push(waiter);
    this.#waiting.set(id, queue);
    return () => this.#remove(id, waiter);
  }

  /** The oldest publish waiting under `id`, no longer waiting; undefined when none is. */
  take(id: string | null): Waiter | undefined {
    if (id === null) return undefined;
    const waiter = this.#waiting.get(id)?.[0];
    if (waiter) this.#remove(id, waiter);
    return waiter;
  }

  /** Rejects every publish still waiting: the socket closed, or the transport was stopped. */
  rejectAll(why: string): void {
    const all = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    for (const w of all) w.reject(new Error(why));
  }

  #remove(id: string, waiter: Waiter): void {
    const queue = this.#waiting.get(id);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.#waiting.delete(id);
  }
}
