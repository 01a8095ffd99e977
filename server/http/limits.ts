import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/** File descriptors kept free of connections: the page's files, logs, the feed's own sockets. */
export const FD_RESERVE = 256;

/** The process's soft limit on open files (Linux `/proc/self/limits`); undefined where unknown. */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line?.[1] === undefined || line[1] === 'unlimited' ? undefined : Number(line[1]);
  } catch {
    return undefined;
  }
}

/**
 * The connection cap in force: the configured one, but never at or above what the open-file
 * limit allows (less a reserve). Otherwise accept() would start failing with EMFILE before the
 * cap is reached, silently, and for everyone: no 503, no log line. 0 (no cap) becomes the
 * file limit's cap too.
 */
export function connectionCap(configured: number, fileLimit: number | undefined): number {
  if (fileLimit === undefined) return configured;
  const ceiling = Math.max(1, fileLimit - FD_RESERVE);
  return configured === 0 ? ceiling : Math.min(configured, ceiling);
}

/**
 * Caps on open TCP connections, all together and per IP address. A socket over a cap is not
 * dropped silently: it is marked, and whatever it asks (a request or an upgrade) is answered
 * 503 with the JSON error body, so a browser sees why. Counts are released when sockets close,
 * so the maps hold only connections that are open.
 *
 * Sockets are admitted at TCP accept, before any TLS handshake: a handshake costs memory and
 * CPU too, so a flood of half-open TLS connections counts against the caps like any other.
 * Under TLS the request arrives on a different socket object (the TLSSocket wrapping the TCP
 * one), so refused connections are recognised by their address pair, which both share.
 */
export class ConnectionLimiter {
  readonly #perIp = new Map<string, number>();
  /** `remoteAddress|remotePort` of the refused connections still open. */
  readonly #refused = new Set<string>();
  #open = 0;

  constructor(
    readonly max: number,
    readonly maxPerIp: number,
  ) {}

  /** Open connections counted now. */
  get open(): number {
    return this.#open;
  }

  /** Counts a new TCP socket, or marks it refused when a cap is reached (0 = no cap). */
  admit(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const fromIp = this.#perIp.get(ip) ?? 0;
    if ((this.max > 0 && this.#open >= this.max) || (this.maxPerIp > 0 && fromIp >= this.maxPerIp)) {
      const key = pairOf(socket);
      this.#refused.add(key);
      socket.once('close', () => this.#refused.delete(key));
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

  /** Whether this socket (the TCP socket, or the TLS socket over it) was over a cap when it connected. */
  refused(socket: Socket): boolean {
    return this.#refused.size > 0 && this.#refused.has(pairOf(socket));
  }
}

function pairOf(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}
