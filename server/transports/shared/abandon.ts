import type { Socket } from 'node:net';

/** The one error every write still buffered on an abandoned socket fails with. */
const ABANDONED = Object.assign(new Error('the peer stopped reading; the connection was cut'), {
  code: 'ERR_PEER_STALLED',
});

/**
 * Cuts a connection whose peer stopped reading (a stalled stream, a close frame never
 * answered). Two costs of a plain `destroy()` are avoided, both measured with hundreds of stuck
 * readers cut at once:
 * - the kernel would keep trying to deliver what is queued for a peer that never reads it
 *   (megabytes per socket); a reset (what `resetAndDestroy()` sends) frees it at once;
 * - every write still buffered on the socket (one per message) would fail with an Error of
 *   its own, stack trace and all; destroyed with an error, they all share that one.
 * The socket emits 'error' with ERR_PEER_STALLED; every socket of this server has a listener.
 */
export function abandon(socket: Socket): void {
  if (socket.destroyed) return;
  // What resetAndDestroy() sets before destroying (Node ≥ 18.3); destroy(err) then resets.
  Reflect.set(socket, 'resetAndClosing', true);
  socket.destroy(ABANDONED);
}
