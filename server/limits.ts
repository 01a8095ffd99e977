import type { Socket } from 'node:net';

/**
 * Caps on open TCP connections, all together and per IP address. A socket over a cap is not
 * dropped silently: it is marked, and whatever it asks (a request or an upgrade) is answered
 * 503 with the JSON error body, so a browser sees why. Counts are released when sockets close,
 * so the map holds only IPs with open connections.
 */
export class ConnectionLimiter {
  readonly #perIp = new Map<string, number>();
  readonly #refused = new WeakSet<Socket>();
  #open = 0;

  constructor(
    readonly max: number,
    readonly maxPerIp: number,
  ) {}

  /** Open connections counted now. */
  get open(): number {
    return this.#open;
  }

  /** Counts a new socket, or marks it refused when a cap is reached (0 = no cap). */
  admit(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const fromIp = this.#perIp.get(ip) ?? 0;
    if ((this.max > 0 && this.#open >= this.max) || (this.maxPerIp > 0 && fromIp >= this.maxPerIp)) {
      this.#refused.add(socket);
      return;
    }
    this.#open++;
    this.#perIp.set(ip, fromIp + 1);
    socket.once('close', () => {
      this.#open--;
      const left = (this.#perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, left);
    });
  }

  /** Whether this socket was over a cap when it connected. */
  refused(socket: Socket): boolean {
    return this.#refused.has(socket);
  }
}
