/** The plain `ws` fan-out: `ws.send(json)` to every client, framing each send (what most code does). */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { FloorFeed, listenFloor, type StartPeer } from './server.ts';

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  feed.subscribe((m) => {
    const payload = `{"type":"message",${m.json.slice(1)}`;
    for (const ws of wss.clients) ws.send(payload);
  });
  return listenFloor(server, host, feed, () => {
    for (const ws of wss.clients) ws.terminate();
  });
};
