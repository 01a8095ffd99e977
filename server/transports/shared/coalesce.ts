import type { Socket } from 'node:net';

/** Sockets written to in this tick, corked until the tick's writes are done. */
const corked = new Set<Socket>();
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Writes `data` to `socket`, coalesced with the other writes to it in the same tick. A fan-out
 * writes one small buffer per message per client, and on loopback each write is a system call
 * with a TCP send behind it (tens of microseconds, against a microsecond of JavaScript): when
 * a burst publishes several messages before the event loop turns, each socket gets them in one
 * `writev` instead of one call each. The socket is corked at its first write of the tick and
 * uncorked once, for all sockets together, when the tick's synchronous and promise work is done,
 * so a single live message still leaves at once, and order and bytes are those of the writes.
 */
export function writeCoalesced(socket: Socket, data: Buffer | string): void {
  if (!corked.has(socket)) {
    socket.cork();
    corked.add(socket);
    if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flush);
    }
  }
  socket.write(data);
}
