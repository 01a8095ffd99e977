import type { Socket } from 'node:net';

/**
 * Seeing every byte a socket receives without taking the socket away from Node's C++ HTTP
 * parser. Node's server hands a plain TCP socket's reads straight to its parser in C++
 * ("consume"); a 'data' listener would make it take the socket back and parse from JavaScript
 * events instead (about 3 µs more a request on this machine, a sixth of a bare node:http
 * answer). So the meter reads the bytes where the parser already has them: the first parser
 * callback of each read (a head complete, a body piece, a message end, or the end of the read)
 * asks the parser for the read's bytes (`getCurrentBuffer`, a copy of the buffer being parsed)
 * and hands them to the sink before Node acts on any of them — before a request event, and so
 * before any answer to it is written, exactly as a prepended 'data' listener saw them. A read is
 * told apart from the next by `socket.bytesRead`, which counts it before it is parsed.
 *
 * This rests on Node's internals (the parser on `socket.parser`, its callback slots, named on
 * its class, and `getCurrentBuffer`), so it checks for each and declines when one is missing:
 * the meter then listens for 'data' as before, and a test fails (meter-server.test.ts) so the
 * slower path is never taken silently. TLS sockets are never consumed: they always decline.
 * Whatever makes Node take the socket back later (a 'data' listener, an upgrade) switches the
 * sink to 'data' at that moment (see `wrapCallbacks`).
 */

/** What the tap hands each read to (the socket meter). */
export interface ReadSink {
  /** The bytes of one read, before Node's parser acts on them. */
  received(bytes: Buffer): void;
  /**
   * Asked after each read: whether HTTP is over on the connection (an upgrade or CONNECT was
   * read), so that what follows reaches the sink through 'data' instead (the parser goes).
   */
  httpOver(): boolean;
  /** Called once, when `httpOver()` said so: the sink listens for 'data' from now on. */
  switchToData(): void;
}

/** Where a tapped socket keeps its sink and the parser's own end-of-read callback. */
const SINK = Symbol('pushrace.readSink');
const EXECUTE = Symbol('pushrace.onExecute');
/** On a parser: `socket.bytesRead` when its current read was handed over. */
const FED_AT = Symbol('pushrace.fedAt');
/** On a parser: its callbacks are wrapped (once per parser object: Node pools and reuses them). */
const WRAPPED = Symbol('pushrace.wrapped');

/** A socket as the tap marks it. */
interface TappedSocket extends Socket {
  [SINK]?: ReadSink | undefined;
  [EXECUTE]?: ParserCallback | undefined;
}

type ParserCallback = (this: NodeParser, ...args: unknown[]) => unknown;

/** The part of Node's internal HTTP parser the tap uses (numeric slots hold its callbacks). */
interface NodeParser {
  socket: TappedSocket | null;
  _consumed?: boolean;
  getCurrentBuffer(): Buffer;
  unconsume(): void;
  [slot: number]: unknown;
  [FED_AT]?: number;
  [WRAPPED]?: true;
}

/** The callback slots of Node's parser class: read once from the first parser seen. */
interface Slots {
  perMessage: number[];
  execute: number;
}

let slots: Slots | null | undefined;

function slotsOf(parser: NodeParser): Slots | null {
  if (slots !== undefined) return slots;
  const cls: unknown = Object.getPrototypeOf(parser)?.constructor;
  const slot = (name: string): number | undefined => {
    const v: unknown = cls === undefined ? undefined : Reflect.get(cls as object, name);
    return typeof v === 'number' ? v : undefined;
  };
  const perMessage = ['kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete'].map(slot);
  const execute = slot('kOnExecute');
  slots =
    execute !== undefined && perMessage.every((s): s is number => s !== undefined)
      ? { perMessage: perMessage as number[], execute }
      : null;
  return slots;
}

/** The socket's parser, when Node parses it in C++ and it has everything the tap needs. */
function consumedParser(socket: Socket): NodeParser | null {
  const parser: unknown = Reflect.get(socket, 'parser');
  if (parser === null || typeof parser !== 'object') return null;
  const p = parser as NodeParser;
  return p._consumed === true && typeof p.getCurrentBuffer === 'function' ? p : null;
}

/** Hands the parser's current read to its socket's sink, once per read. */
function feed(parser: NodeParser): void {
  const socket = parser.socket;
  const sink = socket?.[SINK];
  if (!socket || !sink) return;
  const at = socket.bytesRead;
  if (parser[FED_AT] === at) return;
  const bytes = parser.getCurrentBuffer();
  // Outside a read (the parser finishing at EOF) there is no current buffer: nothing to hand.
  if (bytes.length === 0) return;
  parser[FED_AT] = at;
  sink.received(bytes);
}

/** The end of a read: hand it over if no callback did, then let Node's own callback run. */
const onExecute = function (this: NodeParser, ...args: unknown[]): unknown {
  feed(this);
  const socket = this.socket;
  const sink = socket?.[SINK];
  const original = socket?.[EXECUTE];
  // HTTP is over: 'data' takes over before Node's callback hands the socket on (an upgrade).
  if (socket && sink?.httpOver()) {
    untapReads(socket);
    sink.switchToData();
  }
  return original?.apply(this, args);
};

/**
 * Wraps a pooled parser's per-message callbacks, and its `unconsume` (once: they dispatch
 * through `this.socket`). Node unconsumes when anyone adds a 'data' or 'readable' listener to
 * the socket, or hands it on after an upgrade: from then on its reads come through 'data', so
 * the sink switches to 'data' first, before any such read, and no byte is missed.
 */
function wrapCallbacks(parser: NodeParser, s: Slots): void {
  if (parser[WRAPPED]) return;
  parser[WRAPPED] = true;
  const unconsume = parser.unconsume;
  parser.unconsume = function (this: NodeParser): void {
    const socket = this.socket;
    const sink = socket?.[SINK];
    if (socket && sink) {
      untapReads(socket);
      sink.switchToData();
    }
    unconsume.call(this);
  };
  for (const slot of s.perMessage) {
    const original = parser[slot];
    if (typeof original !== 'function') continue;
    parser[slot] = function (this: NodeParser, ...args: unknown[]): unknown {
      feed(this);
      return Reflect.apply(original, this, args);
    };
  }
}

/**
 * Hands every read of `socket` to `sink` through its parser; false, having changed nothing,
 * when the socket is not parsed by Node in C++ (TLS, or a Node without these internals): the
 * caller then listens for 'data'. Call it from a 'connection' listener (after Node's own).
 */
export function tapReads(socket: Socket, sink: ReadSink): boolean {
  const parser = consumedParser(socket);
  const s = parser && slotsOf(parser);
  if (!parser || !s) return false;
  const execute = parser[s.execute];
  if (typeof execute !== 'function') return false;
  wrapCallbacks(parser, s);
  // A pooled parser remembers its last connection's read: this connection starts afresh.
  parser[FED_AT] = undefined;
  const tapped = socket as TappedSocket;
  tapped[SINK] = sink;
  tapped[EXECUTE] = execute as ParserCallback;
  parser[s.execute] = onExecute;
  return true;
}

/** Stops handing reads to the socket's sink (Node's callbacks then run alone). */
export function untapReads(socket: Socket): void {
  const tapped = socket as TappedSocket;
  tapped[SINK] = undefined;
  const parser = consumedParser(socket);
  const s = parser && slotsOf(parser);
  if (parser && s && parser[s.execute] === onExecute && tapped[EXECUTE]) parser[s.execute] = tapped[EXECUTE];
  tapped[EXECUTE] = undefined;
}

/** Whether `socket`'s reads reach a sink through its parser (for tests: the fast path is taken). */
export function readsTapped(socket: Socket): boolean {
  return (socket as TappedSocket)[SINK] !== undefined;
}
