import type { Socket } from 'node:net';

/**
 * What a socket's write and read paths do with bytes, reproduced for the meter: the bytes a
 * write would send for a string or buffer argument, and the chunks read but not yet delivered.
 * The meter must see exactly the bytes the socket does, so these follow Node's own rules.
 */

/** Buffers of `data`, as a socket's write would send them; null for what write would refuse. */
export function bytesOf(data: unknown, encoding: unknown): Buffer | null {
  if (typeof data === 'string') {
    return Buffer.from(data, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
  }
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/**
 * A string written in one of the encodings Node's own writers use (HTTP heads latin1, bodies
 * utf8): `Buffer.from` encodes it exactly as the socket would. Other encodings are left to
 * the socket, errors included.
 */
export function plainString(data: unknown, encoding: unknown): boolean {
  if (typeof data !== 'string') return false;
  if (encoding === undefined || typeof encoding === 'function') return true;
  return encoding === 'latin1' || encoding === 'binary' || encoding === 'utf8' || encoding === 'utf-8';
}

/** Chunks a socket has read but not delivered through 'data' (`readableBuffer` is untyped). */
export function undelivered(socket: Socket): Buffer[] {
  const buffered: unknown = Reflect.get(socket, 'readableBuffer');
  const out: Buffer[] = [];
  if (buffered === null || typeof buffered !== 'object' || !(Symbol.iterator in buffered)) return out;
  for (const chunk of buffered as Iterable<unknown>) {
    const bytes = bytesOf(chunk, 'utf8');
    if (bytes) out.push(bytes);
  }
  return out;
}
