/**
 * A raw WebSocket client on one TCP socket: the upgrade request, then server frames parsed by
 * their 2–10 byte headers (unmasked, unfragmented text as every server here sends), a pong for
 * each ping, and the message scan on each text payload. `socketio: true` speaks engine.io v4
 * over it: `40` to join the default namespace, `3` for each `2`, messages as `42[…]`.
 */
import net from 'node:net';
import { now, scanMessages, type Tracker } from './track.ts';

/** Where a client connects and what it tells its fleet. */
export interface RawTarget {
  host: string;
  port: number;
  localAddress: string | undefined;
  /** Path and query of the request (the first one, for polling clients). */
  path: string;
  tracker: Tracker;
  /** Its steady state is reached: subscribed, held or streaming. */
  onReady(): void;
  onError(message: string): void;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One client frame of `opcode` carrying `payload`, masked with a zero key (RFC 6455 §5.3 allows any key). */
function clientFrame(opcode: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  if (body.length > 125) throw new Error('client frames here are control-sized');
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | body.length, 0, 0, 0, 0]), body]);
}

/** Opens the client; `close()` ends it. */
export function openWs(t: RawTarget, socketio: boolean): { close(): void } {
  const socket = net.connect({
    host: t.host,
    port: t.port,
    noDelay: true,
    ...(t.localAddress ? { localAddress: t.localAddress } : {}),
  });
  let pending: Buffer | null = null;
  let upgraded = false;
  let closed = false;
  const fail = (why: string) => {
    if (closed) return;
    closed = true;
    t.onError(why);
    socket.destroy();
  };
  socket.on('connect', () => {
    t.tracker.requests++;
    socket.write(
      `GET ${t.path} HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: cHVzaHJhY2UtcGVlcnMtMQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
  const text = (buf: Buffer, from: number, to: number, at: number) => {
    if (!socketio) return scanMessages(buf, from, to, (seq, ts) => t.tracker.receive(seq, ts, at));
    const c0 = buf[from];
    const c1 = buf[from + 1];
    if (c0 === 0x34 && c1 === 0x32) return scanMessages(buf, from, to, (seq, ts) => t.tracker.receive(seq, ts, at));
    if (c0 === 0x32 && to - from === 1) return void socket.write(clientFrame(1, '3'));
    if (c0 === 0x30) return void socket.write(clientFrame(1, '40'));
    if (c0 === 0x34 && c1 === 0x30) return t.onReady();
    if (c0 === 0x34 && c1 === 0x34) fail(`socket.io refused the namespace: ${buf.toString('utf8', from, to)}`);
  };
  const frames = (buf: Buffer, at: number): Buffer | null => {
    let p = 0;
    while (p + 2 <= buf.length) {
      const opcode = (buf[p] ?? 0) & 0x0f;
      let len = (buf[p + 1] ?? 0) & 0x7f;
      let h = 2;
      if (len === 126) {
        if (p + 4 > buf.length) break;
        len = buf.readUInt16BE(p + 2);
        h = 4;
      } else if (len === 127) {
        if (p + 10 > buf.length) break;
        len = Number(buf.readBigUInt64BE(p + 2));
        h = 10;
      }
      if (p + h + len > buf.length) break;
      const from = p + h;
      const to = from + len;
      if (opcode === 1) text(buf, from, to, at);
      else if (opcode === 9) socket.write(clientFrame(10, buf.toString('latin1', from, to)));
      else if (opcode === 8) fail('the server closed the WebSocket');
      p = to;
    }
    return p < buf.length ? buf.subarray(p) : null;
  };
  socket.on('data', (chunk: Buffer) => {
    const at = now();
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    if (upgraded) {
      pending = frames(buf, at);
      return;
    }
    const end = buf.indexOf(HEAD_END);
    if (end < 0) {
      pending = buf;
      return;
    }
    if (buf.toString('latin1', 9, 12) !== '101') return fail(`upgrade refused: ${buf.toString('latin1', 0, end)}`);
    upgraded = true;
    if (!socketio) t.onReady();
    pending = frames(buf.subarray(end + HEAD_END.length), at);
  });
  socket.on('error', (e) => fail(e.message));
  socket.on('close', () => fail('the connection closed'));
  return {
    close() {
      closed = true;
      socket.destroy();
    },
  };
}
