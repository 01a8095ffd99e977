/**
 * Wire shapes of the dashboard's control and inspection routes (`/api/settings`, `/api/burst`,
 * `/api/stats/clear`, `/api/inspect`), shared by the server (server/control.ts) and the page.
 * docs/protocol.md describes them in prose; the two must agree.
 */
import type { TransportName } from './wire.ts';

/** The server-side feed settings a demo may change while the server runs. */
export interface FeedSettings {
  /** Generators running: any of ticker, log; empty = a quiet feed. */
  sources: Array<'ticker' | 'log'>;
  /** Ticker period (its mean, with random timing), ms (100–60 000). */
  tickerIntervalMs: number;
  /** Log lines a second (0–50). */
  logRate: number;
  /**
   * `random`: Poisson arrivals at those rates (the default: what real feeds look like, and what
   * makes a poll wait T/2 on average); `fixed`: a metronome, which locks in phase with a poller
   * of the same period (every poll then waits the same time), to show that on purpose.
   */
  timing: 'random' | 'fixed';
}

/** `POST /api/burst` body: publish `count` messages in one go (1–1000). */
export interface BurstRequest {
  count: number;
}

/** `POST /api/burst` answer: the seqs of the first and last message published. */
export interface BurstResponse {
  first: number;
  last: number;
  count: number;
}

/** One HTTP head as read or written on a socket: the exact bytes, as latin1 text. */
export interface CapturedHead {
  /** The head's text, start line to blank line (cut at `truncated`). */
  text: string;
  /** Its exact size on the wire, bytes. */
  bytes: number;
  /** True when the text was cut to the capture cap. */
  truncated: boolean;
  /** Server time it was seen, ms since the Unix epoch. */
  at: number;
}

/** One WebSocket frame header as seen on the socket, decoded. */
export interface CapturedFrame {
  at: number;
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payloadLength: number;
  /** 7, 16 or 64: which length form the header used. */
  lengthField: number;
  /** Header size in bytes: 2, 4 or 10, +4 with a mask key. */
  size: number;
  /** The header bytes, mask key included. */
  bytes: number[];
  /** The first bytes of the payload as text (unmasked), for recognising the frame. */
  preview: string;
}

/** What was last seen on the wire for one transport. */
export interface TransportCapture {
  request?: CapturedHead;
  response?: CapturedHead;
  /** ws: the last frame headers client → server (oldest first). */
  framesIn: CapturedFrame[];
  /** ws: the last frame headers server → client (oldest first). */
  framesOut: CapturedFrame[];
  /** sse: the last bytes of the stream body, raw (chunked-encoding lines included). */
  stream: string;
}

/**
 * `GET /api/inspect?tag=T`: per transport, the capture of the asking page's own connections
 * (tagged `inspect=T`, from the same address), or `scope: "none"` when it has none there.
 */
export interface InspectResponse {
  transports: Record<TransportName, TransportCapture & { scope: 'tag' | 'none' }>;
}
