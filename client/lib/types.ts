/**
 * The contract of the client library: one interface for the four transports, used unchanged
 * by the dashboard (browser), the load harness and the tests (Node). Everything the caller
 * sees is here; the wire shapes themselves live in protocol/wire.ts.
 */
import type { FeedMessage, ResumePoint, Source, TransportName } from '../../protocol/wire.ts';

export type { FeedMessage, ResumePoint, TransportName } from '../../protocol/wire.ts';

/**
 * What a transport is doing now, for a status line and for tests that wait on it.
 * - `connecting`: the first attempt is under way; nothing is known about the feed yet.
 * - `open`: a stream is open (sse, ws) or a request is in flight (poll).
 * - `waiting`: poll: idle between requests; long-poll: a request is held by the server.
 * - `reconnecting`: the last attempt failed; backing off or retrying.
 * - `closed`: stopped; nothing is in flight and no timer is pending.
 */
export type ConnectionState = 'connecting' | 'open' | 'waiting' | 'reconnecting' | 'closed';

/** Why `reset` was called: where the stream restarts, and where the client was before. */
export interface ResetInfo {
  /** The server's epoch from now on. */
  epoch: string;
  /** The stream restarts after this seq: the next message delivered is `cursor + 1`. */
  cursor: number;
  /** The epoch the client had, if any: differs from `epoch` after a server restart. */
  previousEpoch?: string;
  /** The cursor the client had, if any: the messages after it up to `cursor` may be lost. */
  previousCursor?: number;
}

/**
 * The caller's side of a transport. Called only between `start()` and `stop()`: anything a
 * stale socket or request reports after that is dropped. A handler that throws is the
 * caller's bug: the error is rethrown asynchronously (so it is seen) and the transport goes on.
 */
export interface TransportHandlers {
  /**
   * Messages as the server sent them, in the order received, none dropped or deduplicated
   * (a duplicate is the server's to answer for, and the harness counts it). `receivedAt` is
   * when the bytes arrived, on the clock of `FeedMessage.ts`, so latency = receivedAt − ts.
   * `position` has already moved past the batch when this is called.
   */
  messages(batch: FeedMessage[], meta: { receivedAt: number }): void;
  /**
   * The server could not resume from the client's position (foreign epoch after a restart,
   * cursor evicted or ahead of the head): messages may have been lost. Called before the
   * messages that follow, so a gap is never silent.
   */
  reset(info: ResetInfo): void;
  /** A failure the transport recovers from by itself (it keeps retrying with backoff). */
  error(e: Error): void;
  /** Every change of connection state; optional because only a UI needs it. */
  state?(s: ConnectionState): void;
  /**
   * Every exchange on the wire as the client saw it, for the inspector and client-side
   * statistics. Optional: byte lengths are only computed when it is set.
   */
  request?(r: RequestRecord): void;
}

/**
 * How an exchange ended. `empty`: an answer with no message (poll); `timeout`: the server's
 * bounded wait passed with nothing (long-poll 204); `aborted`: cut short by `stop()`.
 */
export type RequestOutcome = 'ok' | 'empty' | 'timeout' | 'error' | 'aborted';

/**
 * What an exchange was: an HTTP request and its answer, the opening of a stream (SSE) or a
 * socket (WS), one SSE event, or one WS frame in either direction.
 */
export type RequestKind = 'http' | 'open' | 'event' | 'frame-in' | 'frame-out';

/**
 * One exchange on the wire, measured by the client. Times are ms on the Unix-epoch scale
 * (`performance.timeOrigin + performance.now()`), the clock the server stamps `ts` with.
 */
export interface RequestRecord {
  /** Which transport made the exchange, so records of several can share one log. */
  transport: TransportName;
  kind: RequestKind;
  /** HTTP method for `http` and `open` (SSE and the WS upgrade are GETs). */
  method?: string;
  /** The URL requested, for `http` and `open`. */
  url?: string;
  /** HTTP status, when one was received. */
  status?: number;
  /** When the request was sent (frames and events: when received or sent). */
  sentAt: number;
  /** When the answer was complete (frames and events: the same as `sentAt`). */
  doneAt: number;
  /** Feed messages carried. */
  messages: number;
  /** UTF-8 length of the body, event data or frame text, as received or sent. */
  bytes: number;
  outcome: RequestOutcome;
  /** What went wrong, when `outcome` is `error`. */
  error?: string;
  /**
   * The server instance that answered: an HTTP answer's `X-Pushrace-Instance` header, a
   * stream's hello. Behind a load balancer it shows which of several servers each exchange hit.
   */
  instance?: string;
}

/**
 * One transport: the same shape for poll, long-poll, sse and ws, so the dashboard, the
 * harness and the tests can switch between them by name.
 */
export interface ClientTransport {
  /** The wire name, so records and results can be attributed. */
  readonly name: TransportName;
  /**
   * Where the client is: `after` = seq of the last message delivered (or the cursor the server
   * handed out), `epoch` = the server's. Pass it to a new transport's `start` to resume there.
   */
  readonly position: ResumePoint;
  /**
   * Starts receiving after `from` (`after` absent: live from now). A transport already
   * running is stopped first, so its stale callbacks are dropped.
   */
  start(from: ResumePoint, on: TransportHandlers): void;
  /** Stops at once: aborts in-flight requests, closes sockets, clears every timer. */
  stop(): void;
  /**
   * Retries at once when a retry is waiting out its backoff, so a page can offer "reconnect
   * now" when the server is back before the backoff is over. Returns whether there was one to
   * hurry: false while connected or stopped.
   */
  reconnectNow(): boolean;
}

/** The answer to a publish: the seq the server stored, and whether the id was already known. */
export interface PublishAck {
  seq: number;
  /** True when a message with the same client id was already stored (it is stored once). */
  duplicate: boolean;
}

/** What a client publishes; the server fills in seq and ts. */
export interface PublishRequest {
  body: unknown;
  /** `chat` (the default: a non-empty string) or `bench` (any small JSON value, the harness). */
  source?: 'chat' | 'bench';
  /** Client-chosen id, so a retried publish is stored once. */
  id?: string;
}

/** A transport that can also publish over its own connection (ws). */
export interface PublishingTransport extends ClientTransport {
  /**
   * Publishes over the open socket and resolves with the server's ack for this id. Rejects
   * on an error frame for the id, or when the socket closes (or is not open) before the ack.
   */
  publish(body: unknown, opts?: { id?: string; source?: 'chat' | 'bench' }): Promise<PublishAck>;
  /**
   * Publishes `bytes` as one binary frame (a binary message, delivered to every transport:
   * raw on WebSockets, base64 in the others' JSON), resolving with its ack. The same rejections.
   */
  publishBinary(bytes: Uint8Array<ArrayBuffer>): Promise<PublishAck>;
  /**
   * Bytes sent and not yet handed to the network (the socket's `bufferedAmount`; 0 when none
   * is open): what a sender watches to keep from queuing without bound.
   */
  readonly bufferedAmount: number;
}

/** The Response surface the library reads: browsers' and Node's fetch both provide it. */
export interface ResponseLike {
  readonly status: number;
  readonly ok: boolean;
  /** Response headers (read for `X-Pushrace-Instance`); optional so a minimal double fits. */
  readonly headers?: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A fetch implementation, structurally: so a test double or another fetch fits. */
export type FetchLike = (
  input: string,
  init?: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array<ArrayBuffer>;
    signal?: AbortSignal;
  },
) => Promise<ResponseLike>;

/** The WebSocket surface the library uses: the browser's and `ws`'s both provide it. */
export interface WebSocketLike {
  readonly readyState: number;
  /** Bytes queued by `send` and not yet handed to the network: the backpressure a sender sees. */
  readonly bufferedAmount: number;
  /** How binary frames arrive; the library sets `arraybuffer` (the default differs: Blob, Buffer). */
  binaryType: string;
  send(data: string | ArrayBufferView<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: (ev: object) => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (ev: object) => void): void;
}

/** A WebSocket constructor: the browser global, or `WebSocket` from the `ws` package in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The EventSource surface the library uses: the browser's and `eventsource`'s both provide it. */
export interface EventSourceLike {
  readonly readyState: number;
  close(): void;
  addEventListener(type: 'open' | 'error', listener: (ev: object) => void): void;
  addEventListener(type: string, listener: (ev: { data: string; lastEventId: string }) => void): void;
}

/** An EventSource constructor: the browser global, or `EventSource` from `eventsource` in Node. */
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** Capped exponential backoff bounds, ms. */
export interface BackoffOptions {
  /** The ceiling of the first retry's delay. */
  initialMs: number;
  /** The largest delay, however many attempts failed. */
  maxMs: number;
}

/**
 * Options of every transport; unset ones come from `DEFAULTS` (options.ts). The injected
 * constructors default to the globals, which exist in browsers (and fetch in Node 20).
 */
export interface ClientOptions {
  /** Absolute origin of the server, e.g. `http://127.0.0.1:3000` or `location.origin`. */
  baseUrl: string;
  /** Poll: period of the fixed-rate schedule (request starts T apart). */
  pollIntervalMs?: number;
  /** Long-poll: how long the server may hold a request before answering 204. */
  longPollTimeoutMs?: number;
  /**
   * Only these channels (feed sources), on every transport (`sources=`); absent = all. The
   * cursor stays the feed's global seq: messages of other channels are skipped, not lost.
   */
  sources?: readonly Source[];
  /**
   * One channel: the WebSocket uses that channel's own endpoint (`/ws/<channel>`), the other
   * transports `sources=<channel>`. Wins over `sources`.
   */
  channel?: 'chat' | 'ticker' | 'log';
  /** Poll and long-poll: most messages per answer (sent as `limit`); absent = the server's. */
  limit?: number;
  /**
   * Poll: the server's largest answer when no `limit` is sent; an answer this full means more
   * is waiting, so the next request goes out at once.
   */
  serverReadLimit?: number;
  /** Poll and long-poll: how long past its expected answer a request may hang before it is abandoned. */
  requestGraceMs?: number;
  /** Poll, long-poll and publishHttp: another fetch (a test double, a proxy-aware one). */
  fetch?: FetchLike;
  /** ws: the constructor to use; required in Node 20, which has no global WebSocket. */
  WebSocket?: WebSocketConstructor;
  /** sse: the constructor to use; required in Node 20, which has no global EventSource. */
  EventSource?: EventSourceConstructor;
  /** Reconnect and retry delays after a failure. */
  backoff?: BackoffOptions;
  /**
   * socketio: which of socket.io's transports to use: `websocket` (the default: straight to a
   * WebSocket) or `polling` (engine.io's HTTP long-polling, never upgraded).
   */
  socketioTransport?: 'websocket' | 'polling';
  /** socketio: extra query parameters on every engine.io request (the dashboard's `inspect` tag). */
  socketioQuery?: Readonly<Record<string, string>>;
  /**
   * The server's publish token (`PUBLISH_TOKEN`), when it requires one. ws sends it as
   * `?token=` on the upgrade, so the socket may publish; reading never needs it.
   */
  token?: string;
}
