import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { directSocket, sendText, textFrame } from '../../server/transports/ws/text-frame.ts';

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

describe('textFrame / sendText', () => {
  const lengths = [0, 1, 125, 126, 65_535, 65_536, 70_000];
  const payloads = lengths.map((n) => Buffer.from('x'.repeat(n)));

  it('writes byte for byte what ws.send writes, for every length form', async () => {
    const viaWs = await wireBytes((ws) => {
      for (const p of payloads) ws.send(p, { binary: false });
    }, lengths);
    let fast = false;
    const direct = await wireBytes((ws) => {
      // The fast path must really be taken: this fails if a ws upgrade moves its socket.
      fast = directSocket(ws) !== undefined;
      for (const p of payloads) sendText(ws, p);
    }, lengths);
    assert.equal(fast, true, 'ws still keeps its socket where sendText looks');
    assert.ok(direct.equals(viaWs));
  });

  it('builds each frame once per payload', () => {
    const p = Buffer.from('{"type":"message"}');
    assert.equal(textFrame(p), textFrame(p));
    assert.deepEqual([...textFrame(p).subarray(0, 2)], [0x81, p.length]);
  });
});
