import { PROTOCOL_DEFAULTS } from '../../protocol/defaults.ts';
import type {
  BackoffOptions,
  ClientOptions,
  EventSourceConstructor,
  FetchLike,
  WebSocketConstructor,
} from './types.ts';

/**
 * Every default of the client library, in one place; `resolveOptions` merges the caller's
 * options over it (`{ ...DEFAULTS, ...opts }`).
 */
export const DEFAULTS: {
  pollIntervalMs: number;
  longPollTimeoutMs: number;
  serverReadLimit: number;
  requestGraceMs: number;
  backoff: BackoffOptions;
} = {
  /** Poll period T (protocol/defaults.ts). */
  pollIntervalMs: PROTOCOL_DEFAULTS.pollIntervalMs,
  /** Long-poll hold, the server's default too. */
  longPollTimeoutMs: PROTOCOL_DEFAULTS.longPollTimeoutMs,
  /** The server's default `readLimit`: an answer this full means more is waiting. */
  serverReadLimit: PROTOCOL_DEFAULTS.readLimit,
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
