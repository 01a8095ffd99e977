import type { WebSocket } from 'ws';

/**
 * WebSocket liveness, the `ws` README pattern: every `intervalMs` each client that answered
 * the previous ping gets a new one, and a client that did not is terminated. A dead peer (a
 * pulled cable, a NAT that forgot the mapping) is therefore gone within two intervals, and
 * its subscription, buffer and connection gauge with it. Every accepted socket must be
 * passed to `track` (a noServer `WebSocketServer` emits no 'connection' by itself).
 */
export interface Heartbeat {
  /** Starts watching one accepted socket. */
  track(ws: WebSocket): void;
  /** Stops the timer (server shutdown). */
  stop(): void;
}

/**
 * Starts the ping timer for `wss`; `onDead` is told before a silent peer is terminated. The
 * state per socket is whether a ping is unanswered: a socket is in `awaiting` from its ping to
 * its pong (for most, a moment), and one 'pong' listener serves every socket (it is called
 * with the socket as `this`), so a connection costs the heartbeat no closure of its own.
 */
export function startHeartbeat(
  clients: Iterable<WebSocket>,
  intervalMs: number,
  onDead: (ws: WebSocket) => void = () => {},
): Heartbeat {
  const awaiting = new WeakSet<WebSocket>();
  const onPong = function (this: WebSocket): void {
    awaiting.delete(this);
  };
  const timer = setInterval(() => {
    for (const ws of clients) {
      if (awaiting.has(ws)) {
        onDead(ws);
        ws.terminate();
        continue;
      }
      awaiting.add(ws);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return { track: (ws) => ws.on('pong', onPong), stop: () => clearInterval(timer) };
}
