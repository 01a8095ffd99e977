import type { WebSocket, WebSocketServer } from 'ws';

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

/** Starts the ping timer for `wss`; `onDead` is told before a silent peer is terminated. */
export function startHeartbeat(
  wss: WebSocketServer,
  intervalMs: number,
  onDead: (ws: WebSocket) => void = () => {},
): Heartbeat {
  const alive = new WeakMap<WebSocket, boolean>();
  const track = (ws: WebSocket) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
  };
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        onDead(ws);
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return { track, stop: () => clearInterval(timer) };
}
