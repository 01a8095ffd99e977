import type { PublishAck } from './types.ts';

/** A publish waiting for its ack. */
interface Waiter {
  resolve(ack: PublishAck): void;
  reject(err: Error): void;
}

/**
 * The publishes sent on one WebSocket that wait for their ack, by id: a queue per id, in case
 * a caller reuses one (the server then acks each, the later ones as duplicates). A binary
 * publish carries no id: its ack says `"id": null`, and binary acks come in the order their
 * frames were sent, so they wait in one queue of their own. Whatever is still waiting when the
 * socket ends is rejected, since its ack can no longer arrive.
 */
export class Acks {
  readonly #waiting = new Map<string, Waiter[]>();
  /** Binary publishes, oldest first. */
  readonly #binary: Waiter[] = [];

  /** Waits for the ack of `id` (null: a binary publish); the returned function forgets it again (the send failed). */
  add(id: string | null, waiter: Waiter): () => void {
    if (id === null) {
      this.#binary.push(waiter);
      return () => {
        const index = this.#binary.indexOf(waiter);
        if (index >= 0) this.#binary.splice(index, 1);
      };
    }
    const queue = this.#waiting.get(id) ?? [];
    queue.push(waiter);
    this.#waiting.set(id, queue);
    return () => this.#remove(id, waiter);
  }

  /**
   * The oldest publish waiting under `id` (null: the oldest binary one), no longer waiting;
   * undefined when none is, or when the frame answered no publish (`id` absent).
   */
  take(id: string | null | undefined): Waiter | undefined {
    if (id === undefined) return undefined;
    if (id === null) return this.#binary.shift();
    const waiter = this.#waiting.get(id)?.[0];
    if (waiter) this.#remove(id, waiter);
    return waiter;
  }

  /** Rejects every publish still waiting: the socket closed, or the transport was stopped. */
  rejectAll(why: string): void {
    const all = [...this.#waiting.values()].flat().concat(this.#binary.splice(0));
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
