/**
 * socket.io 4, HTTP long-polling transport only (no upgrade): `io.emit('message', message)`;
 * engine.io holds each session's GET until a packet is due.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { FloorFeed, listenFloor, type StartPeer } from './server.ts';

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const server = createServer();
  const io = new Server(server, { transports: ['polling'], serveClient: false });
  feed.subscribe((_m, message) => io.emit('message', message));
  return listenFloor(server, host, feed, () => io.disconnectSockets(true));
};
