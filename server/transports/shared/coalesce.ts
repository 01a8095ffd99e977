import type { Socket } from 'node:net';
import { meterOf } from '../../metering/socket-meter.ts';

/** Sockets written to more than once in this tick, corked until the tick's writes are done. */
const corked = new Set<Socket>();
/** Counts ticks that wrote: a socket stamped with the current one was written to in this tick. */
let tick = 1;
let endScheduled = false;
const WRITTEN = Symbol('pushrace.writtenInTick');

/** A socket with the tick of its latest coalesced write. */
interface Stamped extends Socket {
  [WRITTEN]?: number;
}

function endTick(): void {
  endScheduled = false;
  tick++;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Writes `data` to `socket`, coalesced with the other writes to it in the same tick. A fan-out
 * writes one small buffer per message per client, and on loopback each write is a system call
 * with a TCP send behind it (tens of microseconds, against a microsecond of JavaScript): when
 * a burst publishes several messages before the event loop turns, each socket gets them in one
 * `writev` instead of one call each. The first write of a tick to a socket goes out at once (a
 * paced fan-out, one message a tick, pays nothing more); a second write corks the socket, and
 * every corked socket is uncorked once, together, when the tick's synchronous and promise work
 * is done: a burst leaves in two calls per socket, and order and bytes are those of the writes.
 *
 * `header`: how many of `data`'s bytes are header (frame header, chunk and SSE field syntax),
 * when `data` is a complete WebSocket frame (`frame`) or a complete chunk of complete SSE
 * events; the socket's meter then counts them without parsing them (`SocketMeter.writeKnown`).
 * Two plain arguments rather than an object: this runs once per message per client.
 */
export function writeCoalesced(socket: Socket, data: Buffer | string, header = -1, frame = false): void {
  const stamped = socket as Stamped;
  if (stamped[WRITTEN] !== tick) {
    // The first write of the tick goes out at once: a paced fan-out pays no cork.
    stamped[WRITTEN] = tick;
    if (!endScheduled) {
      endScheduled = true;
      process.nextTick(endTick);
    }
  } else if (!corked.has(socket)) {
    socket.cork();
    corked.add(socket);
  }
  if (header >= 0 && typeof data !== 'string' && meterOf(socket)?.writeKnown(data, header, frame)) return;
  socket.write(data);
}
