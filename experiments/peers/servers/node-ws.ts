/**
 * The WebSocket floor: `ws` does the handshake, and each message is one prebuilt frame (2–4
 * byte header + JSON) written with `socket.write` to every client's socket, the least work a
 * fan-out can do in Node.
 */
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { FloorFeed, listenFloor, type StartPeer } from './server.ts';

/** One unmasked final text frame (RFC 6455 §5.2). */
function textFrame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = body.length < 126 ? Buffer.from([0x81, body.length]) : Buffer.from([0x81, 126, 0, 0]);
  if (body.length >= 126) head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Set<Duplex>();
  const server = createServer();
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(socket);
      ws.on('close', () => sockets.delete(socket));
    }),
  );
  feed.subscribe((m) => {
    const frame = textFrame(`{"type":"message",${m.json.slice(1)}`);
    for (const s of sockets) s.write(frame);
  });
  return listenFloor(server, host, feed, () => {
    for (const s of sockets) s.destroy();
  });
};
