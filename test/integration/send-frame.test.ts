import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { OPCODE, writeFrameHeader, wsFrameHeaderSize } from '../../protocol/ws-frame.ts';
import { sendFrame, wsSocket } from '../../server/transports/ws/send-frame.ts';

/** A complete server frame of `payload`, as `wsMessageFrame` builds one. */
function frameOf(payload: Buffer): Buffer {
  const frame = Buffer.alloc(wsFrameHeaderSize(payload.length, false) + payload.length);
  payload.copy(frame, writeFrameHeader(frame, OPCODE.text, payload.length));
  return frame;
}

/** Every byte `send` puts on a server socket, captured by wrapping that socket's write. */
async function wireBytes(send: (ws: WebSocket) => void, lengths: readonly number[]): Promise<Buffer> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const written: Buffer[] = [];
  const received: string[] = [];
  const got = new Promise<void>((resolve, reject) => {
    wss.once('connection', (ws, req) => {
      const socket = req.socket as Socket;
      const write = socket.write;
      socket.write = (...args: unknown[]): boolean => {
        const data = args[0];
        written.push(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data as Uint8Array));
        return Reflect.apply(write, socket, args) as boolean;
      };
      send(ws);
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      perMessageDeflate: false,
    });
    client.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      received.push(String(data));
      if (received.length === lengths.length) {
        client.close();
        resolve();
      }
    });
    client.on('error', reject);
  });
  await got;
  assert.deepEqual(
    received.map((r) => r.length),
    lengths,
  );
  wss.close();
  server.close();
  return Buffer.concat(written);
}

describe('sendFrame', () => {
  const lengths = [0, 1, 125, 126, 65_535, 65_536, 70_000];
  const payloads = lengths.map((n) => Buffer.from('x'.repeat(n)));

  it('writes byte for byte what ws.send writes, for every length form', async () => {
    const viaWs = await wireBytes((ws) => {
      for (const p of payloads) ws.send(p, { binary: false });
    }, lengths);
    let fast = false;
    const direct = await wireBytes((ws) => {
      // The fast path must really be taken: this fails if a ws upgrade moves its socket.
      fast = wsSocket(ws) !== undefined && ws.extensions === '';
      for (const p of payloads) sendFrame(ws, frameOf(p));
    }, lengths);
    assert.equal(fast, true, 'ws still keeps its socket where sendFrame looks');
    assert.ok(direct.equals(viaWs));
  });

  it('falls back to ws.send with the same bytes when the socket is not open for direct writes', async () => {
    const viaWs = await wireBytes((ws) => {
      for (const p of payloads) ws.send(p, { binary: false });
    }, lengths);
    const fallback = await wireBytes((ws) => {
      // A negotiated extension forbids the direct write: sendFrame must hand ws the payload.
      Reflect.set(ws, '_extensions', { 'x-test': {} });
      assert.notEqual(ws.extensions, '');
      for (const p of payloads) sendFrame(ws, frameOf(p));
    }, lengths);
    assert.ok(fallback.equals(viaWs));
  });
});
