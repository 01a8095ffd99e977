import type { ClientOptions, EventSourceConstructor, FetchLike, WebSocketConstructor } from './types.ts';

/**
 * Every default of the client library, in one place; `resolveOptions` merges the caller's
 * options over it (`{ ...DEFAULTS, ...opts }`).
 */
export const DEFAULTS = {
  /** Poll period: one request a second, the classic AJAX polling demo. */
  pollIntervalMs: 1000,
  /** Long-poll hold: under common proxy idle timeouts (30–60 s), like the server's default. */
  longPollTimeoutMs: 25_000,
  /** The server's default `readLimit`: an answer this full means more is waiting. */
  serverReadLimit: 1000,
  /** A request that has not answered this long after it should have is abandoned and retried. */
  requestGraceMs: 10_000,
  /** Reconnect delays: a quick first retry, capped so a long outage is retried every 10 s. */
  backoff: { initialMs: 250, maxMs: 10_000 },
};

/** Options with every default applied; the injected constructors stay optional (see below). */
export type ResolvedOptions = Omit<ClientOptions, keyof typeof DEFAULTS> & typeof DEFAULTS;

/** Merges `opts` over DEFAULTS; an option given as `undefined` keeps its default. */
export function resolveOptions(opts: ClientOptions): ResolvedOptions {
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as ClientOptions;
  return { ...DEFAULTS, ...given, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
}

/** The globals a browser has (Node 20 has only fetch): read without assuming they exist. */
const globals = globalThis as Partial<Pick<typeof globalThis, 'fetch' | 'WebSocket' | 'EventSource'>>;

/**
 * The fetch to use: the injected one, else the global. Returned as a bare function so it is
 * never called as a method of the options object (browsers' fetch throws "Illegal invocation").
 */
export function fetchOf(opts: ClientOptions): FetchLike {
  const f = opts.fetch ?? globals.fetch?.bind(globalThis);
  if (!f) throw new Error('pushrace: no fetch implementation; pass options.fetch');
  return f;
}

/** The WebSocket constructor to use; Node 20 has none, so it must be injected there. */
export function webSocketOf(opts: ClientOptions): WebSocketConstructor {
  const ctor = opts.WebSocket ?? globals.WebSocket;
  if (!ctor) throw new Error("pushrace: no WebSocket implementation; in Node pass { WebSocket } from 'ws'");
  return ctor;
}

/** The EventSource constructor to use; Node 20 has none, so it must be injected there. */
export function eventSourceOf(opts: ClientOptions): EventSourceConstructor {
  const ctor = opts.EventSource ?? globals.EventSource;
  if (!ctor)
    throw new Error("pushrace: no EventSource implementation; in Node pass { EventSource } from 'eventsource'");
  return ctor;
}
