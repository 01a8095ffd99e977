import type { Socket } from 'node:net';
import type { ByteSplit, EndpointStats, TransportName } from '../../protocol/wire.ts';
import { type InspectedRequest, SocketInspector } from '../inspect/wire-log.ts';
import type { Endpoint, Stats } from '../observe/stats.ts';
import { EioSplitter } from './eio-splitter.ts';
import type { HeadMemo } from './head-memo.ts';
import { type ParsedRequest, type ParsedResponse, RequestFramer, ResponseFramer } from './http-framer.ts';
import type { Part } from './http1-framer.ts';
import { QueuedRuns } from './queued-runs.ts';
import { bytesOf, plainString, undelivered } from './socket-bytes.ts';
import { WsFramer } from './ws-framer.ts';

/** Where a request's bytes are counted: a transport's endpoint, or `other` (see `Stats`). */
export type MeterKey = Endpoint;

/** Maps a request to its endpoint by method and path (the path without its query string). */
export type Classify = (method: string, path: string) => MeterKey;

/** What every socket meter of one server shares: its framers' options. */
export interface MeterOptions {
  maxHeadSize: number;
  upgradeTakesOver: (method: string) => boolean;
  methods: ReadonlySet<string>;
  requestHeads: HeadMemo<ParsedRequest>;
  responseHeads: HeadMemo<ParsedResponse>;
  /** Whether request bodies to `path` are engine.io packets (see `carriesEngineIo`). */
  engineIo: (path: string) => boolean;
}

/**
 * Whether an endpoint's bodies and frames are engine.io packets: socket.io's. Its bytes are
 * then split by packet framing too (eio-splitter.ts), so `payload` is what the events carry.
 */
export function carriesEngineIo(key: MeterKey): boolean {
  return key.transport === 'socketio';
}

/** A packet splitter for the frames of an upgraded connection counted at `key`, if it needs one. */
const packetsFor = (key: MeterKey): EioSplitter | undefined => (carriesEngineIo(key) ? new EioSplitter() : undefined);

/**
 * What the response framer remembers of each request: where its answer is counted, and the
 * inspect tag its answer is captured under.
 */
interface RequestTag extends InspectedRequest {
  endpoint: MeterKey;
  upgrade: boolean;
}

// What the bytes received are, after the HTTP part of the connection.
/** HTTP requests. */
const IN_HTTP = 0;
/** After an upgrade request, before its answer: WebSocket frames if it gets a 101. */
const IN_PENDING = 1;
/** WebSocket frames. */
const IN_WS = 2;
/** Nothing parses them any more (an upgrade that was refused): header. */
const IN_OPAQUE = 3;

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
export class SocketMeter {
  readonly #socket: Socket;
  readonly #stats: Stats;
  readonly #classify: Classify;
  readonly #onGone: () => void;
  /** The HTTP framers; dropped once both directions speak WebSocket, for the connection's lifetime. */
  #req: RequestFramer | null;
  #res: ResponseFramer<RequestTag> | null;
  /** Bucket of the latest request, and the transport whose gauge counts this socket. */
  #key: MeterKey;
  #gauge: TransportName | null = null;
  /** Bucket of the response being written; before the first one, the latest request's. */
  #outKey: MeterKey | null = null;
  /** Bucket of the upgraded connection (or of the upgrade request awaiting its answer). */
  #wsKey: MeterKey;
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
    this.#key = stats.other;
    this.#wsKey = stats.other;
    this.#onGone = onGone;
    this.#req = new RequestFramer({ ...options, memo: options.requestHeads });
    this.#res = new ResponseFramer<RequestTag>({
      maxHeadSize: options.maxHeadSize,
      memo: options.responseHeads,
      engineIo: (tag) => tag !== undefined && carriesEngineIo(tag.endpoint),
    });
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
    this.#moveGauge(this.#stats.other);
  }

  #inspector(): SocketInspector {
    this.#inspect ??= new SocketInspector(this.#stats.wire, this.#socket.remoteAddress ?? 'unknown');
    return this.#inspect;
  }

  #bucket(key: MeterKey): EndpointStats {
    return key.counters;
  }

  #moveGauge(key: MeterKey): void {
    if (this.#gauge !== null) this.#stats.transports[this.#gauge].connections--;
    this.#gauge = key.transport;
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
        const tag: RequestTag = {
          endpoint: key,
          key: key.transport ?? 'other',
          upgrade: item.isUpgrade,
          inspect: item.inspect,
        };
        this.#lastRequest = tag;
        res.expect(item.method, tag);
        const text = req.heads[head++];
        if (item.inspect !== undefined && text !== undefined) this.#inspector().request(tag, text);
      } else {
        // HTTP is over on this side; what follows is WebSocket if the answer is a 101.
        this.#inMode = IN_PENDING;
        this.#wsKey = this.#key;
        this.#wsIn = new WsFramer(this.#inspect?.frames(this.#lastRequest, 'in'), packetsFor(this.#wsKey));
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
        this.#outKey = item.tag?.endpoint ?? this.#key;
        if (item.status >= 200 && item.tag?.upgrade && this.#inMode === IN_PENDING) this.#settleUpgrade(false);
      } else {
        this.#outWs = true;
        this.#wsKey = this.#outKey ?? this.#key;
        this.#wsOut = new WsFramer(answering && this.#inspect?.frames(answering, 'out'), packetsFor(this.#wsKey));
        if (this.#inMode === IN_PENDING) this.#settleUpgrade(true);
        else if (this.#inMode === IN_HTTP) {
          // A 101 our request framer did not see coming: switch this side too.
          this.#bucket(this.#key).bytesIn.header += this.#req?.finish() ?? 0;
          this.#inMode = IN_WS;
          this.#wsIn = new WsFramer(undefined, packetsFor(this.#wsKey));
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
    if (this.#inMode === IN_WS) this.#bucket(this.#wsKey).bytesIn.header += this.#wsIn?.finish() ?? 0;

    const outKey = this.#outWs ? this.#wsKey : (this.#outKey ?? this.#key);
    if (!this.#outWs) this.#bucket(outKey).bytesOut.header += this.#res?.finish() ?? 0;
    else this.#bucket(outKey).bytesOut.header += this.#wsOut?.finish() ?? 0;
    const extra = this.#countedOut - (socket.bytesWritten ?? this.#countedOut);
    if (extra > 0) {
      const left = this.#queued.takeBack(extra);
      const split = this.#bucket(outKey).bytesOut;
      if (left > 0) split.header = Math.max(0, split.header - left);
    } else if (extra < 0) {
      this.#bucket(outKey).bytesOut.header -= extra; // written by a path not seen: framing, at best
    }

    this.#restore();
    this.#moveGauge(this.#stats.other);
    this.#onGone();
  }
}
