import { Socket } from 'node:net';
import { plainString } from './socket-bytes.ts';

/**
 * How a socket meter hooks into its socket: `write`, `end` and `unshift` wrapped, a 'close'
 * listener, and (when asked) a prepended 'data' listener. The wrappers and listeners are the
 * same functions for every socket — they find the meter through the socket they are called on —
 * so a metered socket costs no closure, context or `once` wrapper of its own: thousands of
 * WebSocket and SSE connections each hold only their meter. socket-meter.ts does the counting.
 */

/** What the hooks call on a socket's meter. */
export interface HookedMeter {
  /** Counts what a write is about to queue; returns its bytes, or null when nothing is counted. */
  beforeWrite(data: unknown, encoding: unknown): Buffer | null;
  /** After a counted write: what has left the write queue can no longer be taken back. */
  afterWrite(): void;
  /** ws put these bytes back with `unshift`: they will come through 'data' a second time. */
  unshifted(bytes: number): void;
  /** Bytes delivered through 'data'. */
  data(chunk: Buffer | string): void;
  /** The socket closed. */
  closed(): void;
}

/** The socket methods the hooks wrap, as they were before: put back by `unhook`, called by the wrappers. */
interface Originals {
  write: Socket['write'];
  end: Socket['end'];
  unshift: Socket['unshift'];
}

/** Where a socket's meter and its originals are kept. */
const METER = Symbol('pushrace.meter');
const ORIGINALS = Symbol('pushrace.originals');

/** A socket as the hooks mark it. */
interface HookedSocket extends Socket {
  [METER]?: HookedMeter | undefined;
  [ORIGINALS]?: Originals | undefined;
}

/** The originals of the latest socket hooked: every socket has the same (its prototype's), so they are shared. */
let lastOriginals: Originals | undefined;

/** `socket`'s own write, end and unshift, in an object shared with other sockets that have the same. */
function originalsOf(socket: Socket): Originals {
  const { write, end, unshift } = socket;
  const last = lastOriginals;
  if (last !== undefined && last.write === write && last.end === end && last.unshift === unshift) return last;
  lastOriginals = { write, end, unshift };
  return lastOriginals;
}

/** The socket's own methods, as `hook` found them (Node's, for a socket never hooked). */
function originals(socket: HookedSocket): Originals {
  return socket[ORIGINALS] ?? NODE_ORIGINALS;
}

const NODE_ORIGINALS: Originals = {
  write: Socket.prototype.write,
  end: Socket.prototype.end,
  unshift: Socket.prototype.unshift,
};

// The wrappers, called with the socket as `this`. A string is encoded once, here, and the
// socket is handed those bytes: the same bytes it would have encoded itself (the encodings are
// Node's), without encoding them twice. A wrapper still reached after `unhook` (someone wrapped
// the method again after the meter) passes the call through uncounted.

const meteredWrite = function (this: HookedSocket, ...args: unknown[]): boolean {
  const write = originals(this).write;
  const meter = this[METER];
  if (meter === undefined) return Reflect.apply(write, this, args) as boolean;
  const counted = meter.beforeWrite(args[0], args[1]);
  if (counted !== null && plainString(args[0], args[1])) args[0] = counted;
  const result = Reflect.apply(write, this, args) as boolean;
  if (counted !== null) meter.afterWrite();
  return result;
};

const meteredEnd = function (this: HookedSocket, ...args: unknown[]): Socket {
  const end = originals(this).end;
  const meter = this[METER];
  if (meter === undefined) {
    Reflect.apply(end, this, args);
    return this;
  }
  const counted = typeof args[0] === 'function' ? null : meter.beforeWrite(args[0], args[1]);
  if (counted !== null && plainString(args[0], args[1])) args[0] = counted;
  Reflect.apply(end, this, args);
  if (counted !== null) meter.afterWrite();
  return this;
};

const meteredUnshift = function (this: HookedSocket, ...args: unknown[]): void {
  const chunk = args[0];
  if (this[METER] !== undefined && (typeof chunk === 'string' || chunk instanceof Uint8Array)) {
    this[METER].unshifted(typeof chunk === 'string' ? Buffer.byteLength(chunk, bufferEncoding(args[1])) : chunk.length);
  }
  Reflect.apply(originals(this).unshift, this, args);
};

/** `encoding` when it names one Buffer knows, else utf8 (what unshift would use). */
function bufferEncoding(encoding: unknown): BufferEncoding {
  return typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8';
}

const onData = function (this: HookedSocket, chunk: Buffer | string): void {
  this[METER]?.data(chunk);
};

const onClose = function (this: HookedSocket): void {
  this[METER]?.closed();
};

/** Hooks `meter` into `socket`: its writes wrapped, its close heard; 'data' too when `data`. */
export function hook(socket: Socket, meter: HookedMeter, data: boolean): void {
  const hooked = socket as HookedSocket;
  hooked[ORIGINALS] = originalsOf(socket);
  hooked[METER] = meter;
  socket.write = meteredWrite;
  socket.end = meteredEnd;
  socket.unshift = meteredUnshift;
  if (data) listenData(socket);
  socket.on('close', onClose);
}

/** From now on the socket's meter also hears every 'data' chunk, before anyone else does. */
export function listenData(socket: Socket): void {
  socket.prependListener('data', onData);
}

/** The meter hooked into `socket`, if any. */
export function hookedMeter(socket: Socket): HookedMeter | undefined {
  return (socket as HookedSocket)[METER];
}

/** Whether `socket.write` is still the hooks' own (nobody wrapped it again after them). */
export function writeIsHooked(socket: Socket): boolean {
  return socket.write === meteredWrite;
}

/** Writes `bytes` past the hooks, uncounted: for a meter that counted them itself. */
export function writeUnhooked(socket: Socket, bytes: Buffer): void {
  originals(socket).write.call(socket, bytes);
}

/** Undoes `hook`: listeners removed, the socket's own methods put back where still the hooks'. */
export function unhook(socket: Socket): void {
  const hooked = socket as HookedSocket;
  const own = originals(socket);
  socket.off('data', onData);
  socket.off('close', onClose);
  if (socket.write === meteredWrite) {
    socket.write = own.write;
  }
  if (socket.end === meteredEnd) {
    socket.end = own.end;
  }
  if (socket.unshift === meteredUnshift) {
    socket.unshift = own.unshift;
  }
  // A wrapper installed after the meter's may still call one of the meter's, which then passes
  // through: the originals stay on the socket for it, the meter does not.
  hooked[METER] = undefined;
}
