/** The SSE floor: node:http, headers flushed at once, `id: <seq>\ndata: <json>\n\n` written to every stream. */
import { createServer, type ServerResponse } from 'node:http';
import { FloorFeed, listenFloor, type StartPeer } from './server.ts';

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const streams = new Set<ServerResponse>();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.flushHeaders();
    streams.add(res);
    res.on('close', () => streams.delete(res));
  });
  feed.subscribe((m) => {
    const event = `id: ${m.seq}\ndata: ${m.json}\n\n`;
    for (const res of streams) res.write(event);
  });
  return listenFloor(server, host, feed);
};
