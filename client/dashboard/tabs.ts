/**
 * The tabs of this page in this browser, and the HTTP connections they hold on each host.
 * A browser allows six HTTP/1.1 connections per host; an SSE stream or a long-poll holds one
 * for as long as it runs, so tabs can fill a host's pool between them, and then every other
 * request to that host waits in the browser's queue with no error anywhere. No request can ask
 * the browser how full its pool is, so the tabs tell each other (BroadcastChannel, same
 * origin): each says, every 2 s and on every change, how many connections it holds on which
 * host. The page then says what happened and why (connection-note.ts).
 */

const CHANNEL = 'pushrace.tabs';
/** How often a tab repeats itself; one silent for three times that is gone (closed, crashed). */
const EVERY_MS = 2000;

/** What one tab holds: `held` HTTP connections open on `host` (host:port). */
export interface Holding {
  host: string;
  held: number;
}

interface Announcement extends Holding {
  id: string;
  at: number;
  bye?: boolean;
}

function isAnnouncement(x: unknown): x is Announcement {
  return (
    typeof x === 'object' &&
    x !== null &&
    'id' in x &&
    typeof x.id === 'string' &&
    'host' in x &&
    typeof x.host === 'string' &&
    'held' in x &&
    typeof x.held === 'number'
  );
}

export class TabCensus {
  readonly #id: string;
  readonly #mine: () => Holding;
  readonly #onChange: () => void;
  readonly #others = new Map<string, Announcement & { seen: number }>();
  readonly #channel: BroadcastChannel | undefined;
  /** What this tab last told the others, so a state change that moves nothing is not told. */
  #told = '';

  /** `mine`: what this tab holds now; `onChange`: called when any tab's holding changed. */
  constructor(id: string, mine: () => Holding, onChange: () => void) {
    this.#id = id;
    this.#mine = mine;
    this.#onChange = onChange;
    this.#channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : undefined;
    this.#channel?.addEventListener('message', (ev: MessageEvent<unknown>) => this.#receive(ev.data));
    setInterval(() => {
      this.#told = '';
      this.announce();
      this.#prune();
    }, EVERY_MS);
    window.addEventListener('pagehide', () => this.#post({ ...this.#mine(), id: this.#id, at: Date.now(), bye: true }));
    queueMicrotask(() => this.announce());
  }

  /** Tells the other tabs what this one holds now, if that changed (call on every change). */
  announce(): void {
    const mine = this.#mine();
    const told = `${mine.host} ${mine.held}`;
    if (told === this.#told) return;
    this.#told = told;
    this.#post({ ...mine, id: this.#id, at: Date.now() });
    this.#onChange();
  }

  /** Connections held on `host` by all tabs, this one included, and by how many tabs. */
  heldOn(host: string): { held: number; tabs: number } {
    let held = 0;
    let tabs = 0;
    const count = (h: Holding) => {
      if (h.host !== host || h.held === 0) return;
      held += h.held;
      tabs++;
    };
    count(this.#mine());
    for (const other of this.#others.values()) count(other);
    return { held, tabs };
  }

  /** Tabs of this page open in this browser, this one included. */
  get tabs(): number {
    return this.#others.size + 1;
  }

  #post(a: Announcement): void {
    this.#channel?.postMessage(a);
  }

  #receive(data: unknown): void {
    if (!isAnnouncement(data) || data.id === this.#id) return;
    const known = this.#others.has(data.id);
    if (data.bye) this.#others.delete(data.id);
    else this.#others.set(data.id, { ...data, seen: Date.now() });
    // A newcomer learns about this tab at once rather than within EVERY_MS.
    if (!known && !data.bye) this.#post({ ...this.#mine(), id: this.#id, at: Date.now() });
    this.#onChange();
  }

  #prune(): void {
    const cutoff = Date.now() - 3 * EVERY_MS;
    for (const [id, a] of this.#others) if (a.seen < cutoff) this.#others.delete(id);
  }
}
