import type { Socket } from 'node:net';
import type { ByteSplit, EndpointStats, TransportName } from '../../protocol/wire.ts';
import { type InspectedRequest, SocketInspector } from '../inspect/wire-log.ts';
import type { Stats } from '../observe/stats.ts';
import { RequestFramer, ResponseFramer } from './http-framer.ts';
import type { Part } from './http1-framer.ts';
import { type Classify, carriesEngineIo, type MeterKey, type MeterOptions, packetsFor } from './meter-keys.ts';
import { type ReadSink, tapReads, untapReads } from './parser-tap.ts';
import { QueuedRuns } from './queued-runs.ts';
import { bytesOf, undelivered } from './socket-bytes.ts';
import {
  type HookedMeter,
  hook,
  hookedMeter,
  listenData,
  unhook,
  writeIsHooked,
  writeUnhooked,
} from './socket-hooks.ts';
import { WsFramer } from './ws-framer.ts';

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

/** Whether the answer to the request tagged `tag` is engine.io packets (one function for every meter). */
const answersEngineIo = (tag: RequestTag | undefined): boolean => tag !== undefined && carriesEngineIo(tag.endpoint);

/** The meter of `socket`, if one is counting it (for `writeKnown`). */
export function meterOf(socket: Socket): SocketMeter | undefined {
  const meter = hookedMeter(socket);
  return meter instanceof SocketMeter ? meter : undefined;
}

/** The latest request of a socket that has had none (or is past HTTP for good). */
const NO_REQUEST: InspectedRequest = { key: 'other', inspect: undefined };

/**
 * The split one outgoing WebSocket chunk is counted into before it is added to its bucket:
 * one for all meters, since counting is synchronous and never re-entered.
 */
const SCRATCH: ByteSplit = { header: 0, payload: 0 };

/** The state of one metered socket: framers for both directions and what ties them together. */
export class SocketMeter implements ReadSink, HookedMeter {
  readonly #socket: Socket;
  readonly #stats: Stats;
  readonly #classify: Classify;
  /** The live meters of the server, which this one leaves at close. */
  readonly #live: Set<SocketMeter>;
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
  /**
   * Whether the bytes sent so far end between frames (`#wsOut.atFrameBoundary`, kept here
   * after every frame count): `writeKnown` reads it once per frame sent, without reaching
   * into the framer, one object fewer per connection and delivery.
   */
  #outAtFrame = false;
  /** Frames received after an upgrade request, counted aside until the answer says what they are. */
  #pendingIn: ByteSplit | null = null;
  /** Bytes seen in, bytes counted out, for the reconciliation at close. */
  #seenIn: number;
  #countedOut: number;
  /** Bytes ws put back with `unshift`, about to be delivered again. */
  #replay = 0;
  /**
   * What was counted out and may still sit in the socket's write queue; made on the first
   * write that leaves bytes queued (most sockets of a paced fan-out never have one).
   */
  #queued: QueuedRuns | null = null;
  /** Whether the wrappers and listeners are installed (false once `#untap` ran). */
  #tapping = true;
  /** The wire inspector's view of this socket, from its first tagged request on (stats.wire). */
  #inspect: SocketInspector | undefined;
  /** The latest request, for the inspector: the upgrade request when the socket switches. */
  #lastRequest: InspectedRequest = NO_REQUEST;

  constructor(socket: Socket, stats: Stats, classify: Classify, options: MeterOptions, live: Set<SocketMeter>) {
    this.#socket = socket;
    this.#stats = stats;
    this.#classify = classify;
    this.#key = stats.other;
    this.#wsKey = stats.other;
    this.#live = live;
    live.add(this);
    this.#req = new RequestFramer({ ...options, memo: options.requestHeads });
    this.#res = new ResponseFramer<RequestTag>({
      maxHeadSize: options.maxHeadSize,
      memo: options.responseHeads,
      engineIo: answersEngineIo,
    });
    this.#seenIn = socket.bytesRead;
    this.#countedOut = socket.bytesWritten ?? 0;
    // Each read is seen before Node's parser acts on it (it may answer synchronously): through
    // the parser itself while Node parses in C++ (parser-tap.ts), else from a prepended 'data'
    // listener (TLS; and every socket once HTTP is over on it). Writes are wrapped (socket-hooks.ts).
    hook(socket, this, !tapReads(socket, this));
  }

  // ---- ReadSink: the reads of a socket Node parses in C++ ----

  /** One read, before Node's parser acts on it. */
  received(bytes: Buffer): void {
    if (this.#tapping) this.data(bytes);
  }

  /** Whether HTTP is over on this connection: its next bytes are WebSocket frames, or opaque. */
  httpOver(): boolean {
    return this.#inMode !== IN_HTTP;
  }

  /** The parser is about to hand the socket on: read what follows from 'data'. */
  switchToData(): void {
    if (this.#tapping) listenData(this.#socket);
  }

  // ---- HookedMeter: what the socket's hooks report (socket-hooks.ts) ----

  /** ws put these bytes back with `unshift`: they will come through 'data' a second time. */
  unshifted(bytes: number): void {
    this.#replay += bytes;
  }

  #untap(): void {
    this.#tapping = false;
    untapReads(this.#socket);
    unhook(this.#socket);
  }

  /**
   * Writes `bytes` and counts `header` of them as header, the rest as payload, without parsing
   * them — the fan-out's hot path, where the transport built the bytes once for every client
   * and knows their split: `frame`, one or more complete WebSocket frames on an upgraded
   * socket; otherwise one complete HTTP/1.1 chunk of complete SSE events on an event stream.
   * Exactly what the framers would have counted, since the bytes leave them where they were
   * (between frames, or between chunks and lines). Returns false, having written nothing, when
   * the socket is not at such a boundary, is inspected (the inspector sees every byte through
   * the framers), is no longer writable, or its `write` was wrapped again after the meter's:
   * the caller then writes through `socket.write`, which parses.
   */
  writeKnown(bytes: Buffer, header: number, frame: boolean): boolean {
    const socket = this.#socket;
    if (this.#inspect !== undefined || !writeIsHooked(socket) || !this.#tapping) return false;
    if (!socket.writable) return false;
    let key: MeterKey;
    if (frame) {
      if (!this.#outWs || !this.#outAtFrame) return false;
      key = this.#wsKey;
    } else {
      if (this.#outWs || this.#res === null || !this.#res.atEventBoundary) return false;
      key = this.#outKey ?? this.#key;
    }
    this.#countedOut += bytes.length;
    const split = this.#bucket(key).bytesOut;
    split.header += header;
    split.payload += bytes.length - header;
    writeUnhooked(socket, bytes);
    // Usually the kernel took it all: nothing queued, no run to remember.
    const queued = socket.writableLength;
    if (queued > 0) {
      const runs = this.#runs();
      if (header > 0) runs.add(split, 'header', header);
      if (bytes.length > header) runs.add(split, 'payload', bytes.length - header);
      runs.keep(queued);
    } else this.#queued = null;
    return true;
  }

  /** Lets the socket go without reconciling (the meter is stopping). */
  detach(): void {
    this.#untap();
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

  /** Bytes delivered through 'data' (or handed over by the parser tap, or left unread at close). */
  data(chunk: Buffer | string): void {
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
        this.#wsIn?.push(bytes, this.#pending());
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
        if (item.rest > 0) {
          this.#wsIn.push(bytes.subarray(bytes.length - item.rest), this.#pending());
        }
      }
    }
  }

  /** The frames counted aside while an upgrade awaits its answer, made when first needed. */
  #pending(): ByteSplit {
    this.#pendingIn ??= { header: 0, payload: 0 };
    return this.#pendingIn;
  }

  /** The answer to a pending upgrade came: keep the frames (101) or call them unparseable. */
  #settleUpgrade(accepted: boolean): void {
    const split = this.#bucket(this.#wsKey).bytesIn;
    const pending = this.#pendingIn ?? { header: 0, payload: 0 };
    if (accepted) {
      split.header += pending.header;
      split.payload += pending.payload;
    } else {
      split.header += pending.header + pending.payload;
    }
    this.#pendingIn = null;
    this.#inMode = accepted ? IN_WS : IN_OPAQUE;
  }

  // ---- bytes out ----

  /** Counts what a write is about to queue; returns its bytes, or null when nothing is counted. */
  beforeWrite(data: unknown, encoding: unknown): Buffer | null {
    if (!this.#socket.writable) return null;
    const bytes = bytesOf(data, encoding);
    if (bytes === null || bytes.length === 0) return null;
    this.#countedOut += bytes.length;
    if (this.#outWs) this.#countFrames(bytes);
    else this.#countResponses(bytes);
    return bytes;
  }

  #countFrames(bytes: Buffer): void {
    const split = SCRATCH;
    split.header = 0;
    split.payload = 0;
    const out = this.#wsOut;
    if (out !== null) {
      out.push(bytes, split);
      this.#outAtFrame = out.atFrameBoundary;
    }
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
        this.#outAtFrame = true;
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
          this.#lastRequest = NO_REQUEST;
        }
        if (item.rest > 0) this.#countFrames(bytes.subarray(bytes.length - item.rest));
      }
    }
  }

  /** The queued runs, made when first needed. */
  #runs(): QueuedRuns {
    this.#queued ??= new QueuedRuns();
    return this.#queued;
  }

  #addOut(key: MeterKey, part: Part, n: number): void {
    if (n === 0) return;
    const split = this.#bucket(key).bytesOut;
    split[part] += n;
    this.#runs().add(split, part, n);
  }

  /** After a counted write: forgets the runs that have left the write queue (only queued bytes can still be discarded). */
  afterWrite(): void {
    const queued = this.#socket.writableLength;
    // Nothing queued: no run to remember, and no runs object kept for the next write.
    if (queued === 0) this.#queued = null;
    else this.#queued?.keep(queued);
  }

  // ---- close ----

  /** The socket closed: what was read but not parsed, and written but not sent, is settled. */
  closed(): void {
    const socket = this.#socket;
    // Read from the kernel, never delivered (the socket was paused): still on the wire.
    for (const chunk of undelivered(socket)) this.data(chunk);
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
      const left = this.#queued?.takeBack(extra) ?? extra;
      const split = this.#bucket(outKey).bytesOut;
      if (left > 0) split.header = Math.max(0, split.header - left);
    } else if (extra < 0) {
      this.#bucket(outKey).bytesOut.header -= extra; // written by a path not seen: framing, at best
    }

    this.#untap();
    this.#moveGauge(this.#stats.other);
    this.#live.delete(this);
  }
}
