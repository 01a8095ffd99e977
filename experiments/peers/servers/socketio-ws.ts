/** socket.io 4, WebSocket transport only: `io.emit('message', message)` to every socket. */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { FloorFeed, listenFloor, type StartPeer } from './server.ts';

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const server = createServer();
  const io = new Server(server, { transports: ['websocket'], serveClient: false });
  feed.subscribe((_m, message) => io.emit('message', message));
  return listenFloor(server, host, feed, () => io.disconnectSockets(true));
};
