/**
 * The wire contract shared by the server, the client library, the dashboard and the load
 * harness. Everything here is plain data that crosses the network as JSON; docs/protocol.md
 * is the prose version and must say the same thing.
 */

/**
 * Wire names of the transports: route names, stats keys and `ClientTransport.name`. pushrace's
 * own four, and socket.io 4 served beside them (`/socket.io/`, docs/protocol.md).
 */
export const TRANSPORT_NAMES = ['poll', 'long-poll', 'sse', 'ws', 'socketio'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** Where a message came from: two built-in generators, chat from people, bench from the harness. */
export const SOURCES = ['ticker', 'log', 'chat', 'bench'] as const;
export type Source = (typeof SOURCES)[number];

/**
 * One feed message, identical on every transport. `seq` is the cursor (strictly +1 within an
 * epoch); `ts` is the server's publish time in ms since the Unix epoch with sub-ms precision,
 * so receive time − `ts` is the delivery latency.
 */
export interface FeedMessage {
  seq: number;
  ts: number;
  source: Source;
  body: unknown;
  /**
   * Present on a binary message: its `body` is the bytes as a base64 string (RFC 4648, with
   * padding). Poll, long-poll and SSE carry text, so the bytes travel base64-encoded in this
   * envelope; a WebSocket carries them raw, in a binary frame (see `BINARY_FRAME` below).
   */
  encoding?: 'base64';
}

/**
 * A binary message on the WebSocket: one binary frame (opcode 2) whose payload is the JSON
 * envelope without the body, `{"type":"message","seq":…,"ts":…,"source":…,"encoding":"binary"}`,
 * one newline (0x0A: JSON text never contains a raw one), then the message's bytes, raw. The
 * client library turns it into the same `FeedMessage` the other transports deliver.
 */
export const BINARY_FRAME_SEPARATOR = 0x0a;

/**
 * The answer of `GET /api/poll` and `GET /api/long-poll`. `cursor` is the seq of the last
 * message returned, or the cursor the client is now at when none is. `reset` is present (and
 * true) only when the client's cursor could not be honoured: it then missed messages.
 */
export interface ReadResponse {
  epoch: string;
  cursor: number;
  messages: FeedMessage[];
  reset?: true;
}

/** What a client sends to start or resume: `after` absent means live from now. */
export interface ResumePoint {
  after?: number;
  epoch?: string;
}

/** First frame on a WebSocket and first SSE event: where the stream starts. */
export interface Hello {
  epoch: string;
  cursor: number;
  /** Present when the requested cursor could not be honoured (foreign epoch, evicted, ahead). */
  reset?: true;
  /**
   * The instance serving the stream (the server's `INSTANCE_ID`): behind a load balancer, which
   * of several servers on one shared feed this connection reached. Absent from older servers.
   */
  instance?: string;
}

/** Frames the server sends on `/ws`. */
export type ServerFrame =
  | ({ type: 'hello' } & Hello)
  | ({ type: 'message' } & FeedMessage)
  | { type: 'ack'; id: string | null; seq: number; duplicate?: true }
  | { type: 'error'; code: string; message: string; id?: string | null };

/** Frames a client may send on `/ws`. */
export interface PublishFrame {
  type: 'publish';
  body: unknown;
  source?: 'chat' | 'bench';
  id?: string;
}

/** HTTP error body: one shape for every 4xx/5xx the server answers. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Byte counts split exactly into protocol framing and application payload. */
export interface ByteSplit {
  /** HTTP request/response heads and chunk framing, WS handshake and frame headers, SSE field syntax. */
  header: number;
  /** HTTP bodies, WS frame payloads, SSE `data:` values. */
  payload: number;
}

/** Per-transport counters exposed at `GET /api/stats`. */
export interface TransportStats {
  /** Open sockets whose latest request belongs to this transport (for ws and sse: open streams). */
  connections: number;
  /** Long-poll requests being held right now (0 for the other transports). */
  held: number;
  /** HTTP requests seen on the wire for this transport's route (for ws: upgrade requests). */
  requests: number;
  /** Poll and long-poll answers that carried no message (long-poll: 204 timeouts count here too). */
  emptyResponses: number;
  /** Long-polls answered 204 because their timeout passed. */
  timeouts: number;
  /** Messages handed to a client (one per message per client). */
  delivered: number;
  bytesIn: ByteSplit;
  bytesOut: ByteSplit;
}

/** Requests and bytes of one endpoint (a request path), counted from the sockets. */
export interface EndpointStats {
  requests: number;
  bytesIn: ByteSplit;
  bytesOut: ByteSplit;
}

/**
 * `GET /api/stats`. `other` is everything on the server's sockets that is not a transport.
 * `endpoints` splits each transport's requests and bytes by the path they came to (a
 * transport may serve several: `/ws`, `/ws/chat`, …); a transport's figures are their sums.
 */
export interface StatsResponse {
  epoch: string;
  head: number;
  since: number;
  transports: Record<TransportName, TransportStats>;
  endpoints: Record<string, EndpointStats & { transport: TransportName }>;
  other: EndpointStats;
  /**
   * Several instances on one Redis feed: the figures above are their sums, and these are each
   * instance's own, by instance name (absent on a single in-memory server). Each instance counts
   * its own sockets, so the sums are as exact as the parts.
   */
  instances?: Record<string, InstanceStats>;
  /** With `instances`: false when an instance did not answer in time (the sums then miss it). */
  complete?: boolean;
}

/** One instance's counters in a cluster's `GET /api/stats`. */
export type InstanceStats = Omit<StatsResponse, 'epoch' | 'head' | 'instances' | 'complete'>;
