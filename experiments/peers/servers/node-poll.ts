/** The poll floor: node:http, `?after=N` answered at once with what is newer. */
import { createServer } from 'node:http';
import { answerOf, cursorOf, FloorFeed, listenFloor, type StartPeer, sendJson } from './server.ts';

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const server = createServer((req, res) => {
    const after = cursorOf(new URL(req.url ?? '/', 'http://x').searchParams.get('after'), feed.head());
    sendJson(res, answerOf(after, feed.after(after)));
  });
  return listenFloor(server, host, feed);
};
