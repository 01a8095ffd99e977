import { type Server as HttpServer, METHODS, maxHeaderSize } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { ByteSplit, TransportName } from '../../protocol/wire.ts';
import { type InspectedRequest, SocketInspector } from '../inspect/wire-log.ts';
import type { Stats } from '../observe/stats.ts';
import { HeadMemo } from './head-memo.ts';
import {
  DEFAULT_MAX_HEAD_SIZE,
  type ParsedRequest,
  type ParsedResponse,
  type Part,
  RequestFramer,
  ResponseFramer,
} from './http-framer.ts';
import { WsFramer } from './ws-framer.ts';

/** The bucket a request's bytes are counted in: a transport, or `other` for everything else. */
export type MeterKey = TransportName | 'other';

/** Maps a request to its bucket by method and path (the path without its query string). */
export type Classify = (method: string, path: string) => MeterKey;

/** A running meter, as returned by `meterServer`. */
export interface ServerMeter {
  /** Sockets being metered right now. */
  readonly sockets: number;
  /** Stops metering: no new sockets, and the open ones are let go (their counts stay as they are). */
  stop(): void;
}

/** What every socket meter of one server shares: its framers' options. */
interface MeterOptions {
  maxHeadSize: number;
  upgradeTakesOver: (method: string) => boolean;
  methods: ReadonlySet<string>;
  requestHeads: HeadMemo<ParsedRequest>;
  responseHeads: HeadMemo<ParsedResponse>;
}

/**
 * What the response framer remembers of each request: where its answer is counted, and the
 * inspect tag its answer is captured under.
 */
interface RequestTag extends InspectedRequest {
  upgrade: boolean;
}

/** The servers the meter can tap: HTTP, or HTTPS through its plaintext sockets (see `meterServer`). */
type MeteredServer = HttpServer | HttpsServer;

// What the bytes received are, after the HTTP part of the connection.
/** HTTP requests. */
const IN_HTTP = 0;
/** After an upgrade request, before its answer: WebSocket frames if it gets a 101. */
const IN_PENDING = 1;
/** WebSocket frames. */
const IN_WS = 2;
/** Nothing parses them any more (an upgrade that was refused): header. */
const IN_OPAQUE = 3;

/**
 * Meters every socket of `server`, byte-exact: request and response heads, chunk framing,
 * WebSocket frame headers and SSE field syntax are counted as header, bodies / frame payloads /
 * `data` values as payload, each in the bucket of the request they belong to (`classify`). The
 * meter also owns `requests` and the `connections` gauges. For each socket, at close, the sum
 * over all buckets equals `socket.bytesRead` in and `socket.bytesWritten` out.
 *
 * How: a 'data' listener, prepended from a 'connection' listener that runs after Node's own,
 * makes Node's HTTP server stop feeding the socket to its C++ parser ("unconsume") and parse
 * from JS 'data' events instead; this listener sees each chunk before Node parses it, so a
 * request is known before any answer to it is written. Bytes that ws puts back with
 * `socket.unshift(head)` come through 'data' a second time and are skipped. The socket's
 * `write` and `end` are wrapped to see every byte sent. At close, bytes read but never
 * delivered are parsed too, and bytes counted but discarded unsent (a peer gone with data
 * still queued) are taken back, so the totals match the socket's own.
 *
 * For HTTPS, meter the plaintext `TLSSocket`: pass `'secureConnection'` as `connectionEvent`
 * (the 'connection' sockets of a TLS server carry ciphertext, which is not HTTP).
 */
export function meterServer(
  server: MeteredServer,
  stats: Stats,
  classify: Classify,
  connectionEvent: 'connection' | 'secureConnection' = 'connection',
): ServerMeter {
  const live = new Set<SocketMeter>();
  // Never refuse a head Node accepts: at least Node's limit (a server option, untyped, or the global).
  const option: unknown = Reflect.get(server, 'maxHeaderSize');
  const maxHeadSize = Math.max(DEFAULT_MAX_HEAD_SIZE, maxHeaderSize, typeof option === 'number' ? option : 0);
  // Node hands a connection over after CONNECT always, after an upgrade request only when
  // someone listens for 'upgrade'; otherwise the request is answered like any other.
  const upgradeTakesOver = (method: string) => method === 'CONNECT' || server.listenerCount('upgrade') > 0;
  // One memo of parsed heads per direction for the whole server: clients repeat their heads.
  const options: MeterOptions = {
    maxHeadSize,
    upgradeTakesOver,
    methods: new Set(METHODS),
    requestHeads: new HeadMemo(),
    responseHeads: new HeadMemo(),
  };
  const onConnection = (socket: Socket) => {
    const meter = new SocketMeter(socket, stats, classify, options, () => live.delete(meter));
    live.add(meter);
  };
  server.on(connectionEvent, onConnection);
  return {
    get sockets() {
      return live.size;
    },
    stop() {
      server.off(connectionEvent, onConnection);
      for (const meter of live) meter.detach();
      live.clear();
    },
  };
}

/** Buffers of `data`, as a socket's write would send them; null for what write would refuse. */
function bytesOf(data: unknown, encoding: unknown): Buffer | null {
  if (typeof data === 'string') {
    return Buffer.from(data, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
  }
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/**
 * A string written in one of the encodings Node's own writers use (HTTP heads latin1, bodies
 * utf8): `Buffer.from` encodes it exactly as the socket would. Other encodings are left to
 * the socket, errors included.
 */
function plainString(data: unknown, encoding: unknown): boolean {
  if (typeof data !== 'string') return false;
  if (encoding === undefined || typeof encoding === 'function') return true;
  return encoding === 'latin1' || encoding === 'binary' || encoding === 'utf8' || encoding === 'utf-8';
}

/** Chunks a socket has read but not delivered through 'data' (`readableBuffer` is untyped). */
function undelivered(socket: Socket): Buffer[] {
  const buffered: unknown = Reflect.get(socket, 'readableBuffer');
  const out: Buffer[] = [];
  if (buffered === null || typeof buffered !== 'object' || !(Symbol.iterator in buffered)) return out;
  for (const chunk of buffered as Iterable<unknown>) {
    const bytes = bytesOf(chunk, 'utf8');
    if (bytes) out.push(bytes);
  }
  return out;
}

/** What `#tap` installed on a socket: its listeners, and the wrappers now in its methods' place. */
interface Tapped {
  data: (chunk: Buffer | string) => void;
  close: () => void;
  write: Socket['write'];
  end: Socket['end'];
  unshift: Socket['unshift'];
}

function noop(): void {}

/** The state of one metered socket: framers for both directions and what ties them together. */
class SocketMeter {
  readonly #socket: Socket;
  readonly #stats: Stats;
  readonly #classify: Classify;
  readonly #onGone: () => void;
  /** The HTTP framers; dropped once both directions speak WebSocket, for the connection's lifetime. */
  #req: RequestFramer | null;
  #res: ResponseFramer<RequestTag> | null;
  /** Bucket of the latest request, and the transport whose gauge counts this socket. */
  #key: MeterKey = 'other';
  #gauge: TransportName | null = null;
  /** Bucket of the response being written; before the first one, the latest request's. */
  #outKey: MeterKey | null = null;
  /** Bucket of the upgraded connection (or of the upgrade request awaiting its answer). */
  #wsKey: MeterKey = 'other';
  #inMode = IN_HTTP;
  #outWs = false;
  #wsIn: WsFramer | null = null;
  #wsOut: WsFramer | null = null;
  /** Frames received after an upgrade request, counted aside until the answer says what they are. */
  #pendingIn: ByteSplit = { header: 0, payload: 0 };
  /** Bytes seen in, bytes counted out, for the reconciliation at close. */
  #seenIn: number;
  #countedOut: number;
  /** Bytes ws put back with `unshift`, about to be delivered again. */
  #replay = 0;
  /** What was counted out and may still sit in the socket's write queue. */
  readonly #queued = new QueuedRuns();
  readonly #scratch: ByteSplit = { header: 0, payload: 0 };
  readonly #restore: () => void;
  /** The wire inspector's view of this socket, from its first tagged request on (stats.wire). */
  #inspect: SocketInspector | undefined;
  /** The latest request, for the inspector: the upgrade request when the socket switches. */
  #lastRequest: InspectedRequest = { key: 'other', inspect: undefined };

  constructor(socket: Socket, stats: Stats, classify: Classify, options: MeterOptions, onGone: () => void) {
    this.#socket = socket;
    this.#stats = stats;
    this.#classify = classify;
    this.#onGone = onGone;
    this.#req = new RequestFramer({ ...options, memo: options.requestHeads });
    this.#res = new ResponseFramer({ maxHeadSize: options.maxHeadSize, memo: options.responseHeads });
    this.#seenIn = socket.bytesRead;
    this.#countedOut = socket.bytesWritten ?? 0;
    this.#restore = this.#tap();
  }

  /**
   * Installs the listeners and wrappers; returns what undoes them. Every function here is
   * assigned to a property rather than to a named constant: one set exists per socket, and
   * tsx (keeping function names) would give each named one a property store of its own.
   */
  #tap(): () => void {
    const socket = this.#socket;
    const { write, end, unshift } = socket;
    const tapped: Tapped = { data: noop, close: noop, write, end, unshift };
    tapped.data = (chunk: Buffer | string) => this.#onData(chunk);
    tapped.close = () => this.#onClose();
    // A string is encoded once, here, and the socket is handed those bytes: the same bytes it
    // would have encoded itself (the encodings are Node's), without encoding them twice.
    socket.write = (...args: unknown[]): boolean => {
      const counted = this.#beforeWrite(args[0], args[1]);
      if (counted !== null && plainString(args[0], args[1])) args[0] = counted;
      const result = Reflect.apply(write, socket, args) as boolean;
      if (counted !== null) this.#trimOutLog();
      return result;
    };
    socket.end = (...args: unknown[]): Socket => {
      const counted = typeof args[0] === 'function' ? null : this.#beforeWrite(args[0], args[1]);
      if (counted !== null && plainString(args[0], args[1])) args[0] = counted;
      Reflect.apply(end, socket, args);
      if (counted !== null) this.#trimOutLog();
      return socket;
    };
    socket.unshift = (...args: unknown[]): void => {
      const bytes = bytesOf(args[0], args[1]);
      if (bytes) this.#replay += bytes.length;
      Reflect.apply(unshift, socket, args);
    };
    tapped.write = socket.write;
    tapped.end = socket.end;
    tapped.unshift = socket.unshift;
    // Prepended: see each chunk before Node's parser, which may answer it synchronously.
    socket.prependListener('data', tapped.data);
    socket.once('close', tapped.close);
    return () => {
      socket.off('data', tapped.data);
      socket.off('close', tapped.close);
      if (socket.write === tapped.write) socket.write = write;
      if (socket.end === tapped.end) socket.end = end;
      if (socket.unshift === tapped.unshift) socket.unshift = unshift;
    };
  }

  /** Lets the socket go without reconciling (the meter is stopping). */
  detach(): void {
    this.#restore();
    this.#moveGauge('other');
  }

  #inspector(): SocketInspector {
    this.#inspect ??= new SocketInspector(this.#stats.wire, this.#socket.remoteAddress ?? 'unknown');
    return this.#inspect;
  }

  #bucket(key: MeterKey): { requests: number; bytesIn: ByteSplit; bytesOut: ByteSplit } {
    return key === 'other' ? this.#stats.other : this.#stats.transports[key];
  }

  #moveGauge(key: MeterKey): void {
    if (this.#gauge !== null) this.#stats.transports[this.#gauge].connections--;
    this.#gauge = key === 'other' ? null : key;
    if (this.#gauge !== null) this.#stats.transports[this.#gauge].connections++;
  }

  // ---- bytes in ----

  #onData(chunk: Buffer | string): void {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.#replay > 0) {
      const skip = Math.min(this.#replay, bytes.length);
      this.#replay -= skip;
      if (skip === bytes.length) return;
      bytes = bytes.subarray(skip);
    }
    this.#seenIn += bytes.length;
    this.#countIn(bytes);
  }

  #countIn(bytes: Buffer): void {
    switch (this.#inMode) {
      case IN_HTTP:
        this.#countRequests(bytes);
        return;
      case IN_PENDING:
        this.#wsIn?.push(bytes, this.#pendingIn);
        return;
      case IN_WS:
        this.#wsIn?.push(bytes, this.#bucket(this.#wsKey).bytesIn);
        return;
      default:
        this.#bucket(this.#wsKey).bytesIn.header += bytes.length;
    }
  }

  #countRequests(bytes: Buffer): void {
    const req = this.#req;
    const res = this.#res;
    if (req === null || res === null) {
      this.#bucket(this.#key).bytesIn.header += bytes.length; // unreachable: HTTP framers live while HTTP does
      return;
    }
    const items = req.push(bytes);
    let head = 0;
    for (const item of items) {
      if ('part' in item) {
        this.#bucket(this.#key).bytesIn[item.part] += item.bytes;
      } else if (item.event === 'request') {
        const key = this.#classify(item.method, item.path);
        this.#bucket(key).requests++;
        this.#moveGauge(key);
        this.#key = key;
        const tag: RequestTag = { key, upgrade: item.isUpgrade, inspect: item.inspect };
        this.#lastRequest = tag;
        res.expect(item.method, tag);
        const text = req.heads[head++];
        if (item.inspect !== undefined && text !== undefined) this.#inspector().request(tag, text);
      } else {
        // HTTP is over on this side; what follows is WebSocket if the answer is a 101.
        this.#inMode = IN_PENDING;
        this.#wsKey = this.#key;
        this.#wsIn = new WsFramer(this.#inspect?.frames(this.#lastRequest, 'in'));
        if (item.rest > 0) this.#wsIn.push(bytes.subarray(bytes.length - item.rest), this.#pendingIn);
      }
    }
  }

  /** The answer to a pending upgrade came: keep the frames (101) or call them unparseable. */
  #settleUpgrade(accepted: boolean): void {
    const split = this.#bucket(this.#wsKey).bytesIn;
    const pending = this.#pendingIn;
    if (accepted) {
      split.header += pending.header;
      split.payload += pending.payload;
    } else {
      split.header += pending.header + pending.payload;
    }
    this.#pendingIn = { header: 0, payload: 0 };
    this.#inMode = accepted ? IN_WS : IN_OPAQUE;
  }

  // ---- bytes out ----

  /** Counts what a write is about to queue; returns its bytes, or null when nothing is counted. */
  #beforeWrite(data: unknown, encoding: unknown): Buffer | null {
    if (!this.#socket.writable) return null;
    const bytes = bytesOf(data, encoding);
    if (bytes === null || bytes.length === 0) return null;
    this.#countedOut += bytes.length;
    if (this.#outWs) this.#countFrames(bytes);
    else this.#countResponses(bytes);
    return bytes;
  }

  #countFrames(bytes: Buffer): void {
    const split = this.#scratch;
    split.header = 0;
    split.payload = 0;
    this.#wsOut?.push(bytes, split);
    this.#addOut(this.#wsKey, 'header', split.header);
    this.#addOut(this.#wsKey, 'payload', split.payload);
  }

  #countResponses(bytes: Buffer): void {
    const res = this.#res;
    if (res === null) {
      this.#addOut(this.#outKey ?? this.#key, 'header', bytes.length); // unreachable, as above
      return;
    }
    const before = res.pending;
    const items = res.push(bytes);
    if (this.#inspect) this.#inspect.responseChunk(bytes, items, res.heads, before);
    let answering: RequestTag | undefined;
    for (const item of items) {
      if ('part' in item) {
        this.#addOut(this.#outKey ?? this.#key, item.part, item.bytes);
      } else if (item.event === 'response') {
        answering = item.tag;
        this.#outKey = item.tag?.key ?? this.#key;
        if (item.status >= 200 && item.tag?.upgrade && this.#inMode === IN_PENDING) this.#settleUpgrade(false);
      } else {
        this.#outWs = true;
        this.#wsKey = this.#outKey ?? this.#key;
        this.#wsOut = new WsFramer(answering && this.#inspect?.frames(answering, 'out'));
        if (this.#inMode === IN_PENDING) this.#settleUpgrade(true);
        else if (this.#inMode === IN_HTTP) {
          // A 101 our request framer did not see coming: switch this side too.
          this.#bucket(this.#key).bytesIn.header += this.#req?.finish() ?? 0;
          this.#inMode = IN_WS;
          this.#wsIn = new WsFramer();
        }
        if (this.#inMode === IN_WS) {
          // Both directions are WebSocket for good: the HTTP framers are done.
          this.#req = null;
          this.#res = null;
        }
        if (item.rest > 0) this.#countFrames(bytes.subarray(bytes.length - item.rest));
      }
    }
  }

  #addOut(key: MeterKey, part: Part, n: number): void {
    if (n === 0) return;
    const split = this.#bucket(key).bytesOut;
    split[part] += n;
    this.#queued.add(split, part, n);
  }

  /** Forgets the runs that have left the write queue: only queued bytes can still be discarded. */
  #trimOutLog(): void {
    this.#queued.keep(this.#socket.writableLength);
  }

  // ---- close ----

  #onClose(): void {
    const socket = this.#socket;
    // Read from the kernel, never delivered (the socket was paused): still on the wire.
    for (const chunk of undelivered(socket)) this.#onData(chunk);
    const inKey = this.#inMode === IN_HTTP ? this.#key : this.#wsKey;
    const unseen = socket.bytesRead - this.#seenIn;
    if (unseen > 0) this.#bucket(inKey).bytesIn.header += unseen;
    if (this.#inMode === IN_HTTP) this.#bucket(this.#key).bytesIn.header += this.#req?.finish() ?? 0;
    if (this.#inMode === IN_PENDING) this.#settleUpgrade(false);

    const outKey = this.#outWs ? this.#wsKey : (this.#outKey ?? this.#key);
    if (!this.#outWs) this.#bucket(outKey).bytesOut.header += this.#res?.finish() ?? 0;
    const extra = this.#countedOut - (socket.bytesWritten ?? this.#countedOut);
    if (extra > 0) {
      const left = this.#queued.takeBack(extra);
      const split = this.#bucket(outKey).bytesOut;
      if (left > 0) split.header = Math.max(0, split.header - left);
    } else if (extra < 0) {
      this.#bucket(outKey).bytesOut.header -= extra; // written by a path not seen: framing, at best
    }

    this.#restore();
    this.#moveGauge('other');
    this.#onGone();
  }
}

/**
 * The runs of counted response bytes that may still sit in a socket's write queue, newest
 * last, so that what a dying socket discards unsent can be taken back from the buckets it was
 * counted in. Usually empty: a write that the kernel takes at once leaves nothing queued.
 * Parallel arrays, so a run costs no object.
 */
class QueuedRuns {
  #splits: ByteSplit[] = [];
  #parts: Part[] = [];
  #bytes: number[] = [];
  /** Index of the oldest run still kept. */
  #start = 0;
  /** Bytes in the kept runs. */
  #total = 0;

  /** Appends a run, merged into the newest when it goes to the same counter. */
  add(split: ByteSplit, part: Part, n: number): void {
    const last = this.#bytes.length - 1;
    if (last >= this.#start && this.#splits[last] === split && this.#parts[last] === part) {
      this.#bytes[last] = (this.#bytes[last] ?? 0) + n;
    } else {
      this.#splits.push(split);
      this.#parts.push(part);
      this.#bytes.push(n);
    }
    this.#total += n;
  }

  /** Keeps only the newest runs that cover `queued` bytes (the socket's `writableLength`). */
  keep(queued: number): void {
    if (queued === 0) {
      this.#splits.length = 0;
      this.#parts.length = 0;
      this.#bytes.length = 0;
      this.#start = 0;
      this.#total = 0;
      return;
    }
    let start = this.#start;
    for (let n = this.#bytes[start]; n !== undefined && this.#total - n >= queued; n = this.#bytes[start]) {
      this.#total -= n;
      start++;
    }
    if (start > 64 && start * 2 > this.#bytes.length) {
      this.#splits.splice(0, start);
      this.#parts.splice(0, start);
      this.#bytes.splice(0, start);
      start = 0;
    }
    this.#start = start;
  }

  /** Subtracts the newest `n` bytes from the counters they went to; returns what was not kept. */
  takeBack(n: number): number {
    let left = n;
    for (let i = this.#bytes.length - 1; i >= this.#start && left > 0; i--) {
      const split = this.#splits[i];
      const part = this.#parts[i];
      const bytes = this.#bytes[i] ?? 0;
      if (split === undefined || part === undefined) break;
      const take = Math.min(bytes, left);
      split[part] -= take;
      this.#bytes[i] = bytes - take;
      this.#total -= take;
      left -= take;
    }
    return left;
  }
}
