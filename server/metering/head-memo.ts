/** Distinct heads remembered; past it the memo starts over (it is a shortcut, never a source of truth). */
const MAX_HEADS = 512;
/**
 * Longest head remembered. Ordinary heads are a few hundred bytes; a huge one (up to the
 * meter's 64 KiB cap, which Node may then refuse with 431) would let a client pin
 * 512 × 64 KiB of strings, so it is parsed every time instead.
 */
const MAX_REMEMBERED_LENGTH = 4096;

/**
 * What the HTTP framers learned from a head, by the head's exact text. Most heads on a busy
 * server repeat byte for byte (the same client library asking the same route; Node's answers
 * differing only when the Date header ticks), so a head seen before is parsed by one map
 * lookup instead of a line split, regular expressions and a field scan per request.
 *
 * Exact by construction: the value is the pure result of parsing exactly that text with the
 * same options, and the framer only consults it for a head whose complete text it has in
 * hand (see `Http1Framer`), so a hit gives what parsing again would. Share one memo only
 * between framers built with the same options (one per metered server and direction).
 */
export class HeadMemo<V> {
  readonly #heads = new Map<string, V>();

  get(text: string): V | undefined {
    return this.#heads.get(text);
  }

  set(text: string, value: V): void {
    if (text.length > MAX_REMEMBERED_LENGTH) return;
    if (this.#heads.size >= MAX_HEADS) this.#heads.clear();
    this.#heads.set(text, value);
  }
}
