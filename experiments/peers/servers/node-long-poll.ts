/**
 * The long-poll floor: node:http; `?after=N` answers at once when a message is newer, else the
 * response is held until one is published (or 25 s pass: 204). One answer body per cursor.
 */
import { createServer, type ServerResponse } from 'node:http';
import { answerOf, cursorOf, FloorFeed, listenFloor, type StartPeer, sendJson } from './server.ts';

const TIMEOUT_MS = 25_000;

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const held = new Map<ServerResponse, { after: number; timer: NodeJS.Timeout }>();
  const server = createServer((req, res) => {
    const after = cursorOf(new URL(req.url ?? '/', 'http://x').searchParams.get('after'), feed.head());
    const ready = feed.after(after);
    if (ready.length > 0) return sendJson(res, answerOf(after, ready));
    const timer = setTimeout(() => {
      held.delete(res);
      res.writeHead(204).end();
    }, TIMEOUT_MS);
    held.set(res, { after, timer });
    res.on('close', () => {
      clearTimeout(timer);
      held.delete(res);
    });
  });
  feed.subscribe(() => {
    const bodies = new Map<number, string>();
    for (const [res, { after, timer }] of held) {
      clearTimeout(timer);
      const body = bodies.get(after) ?? answerOf(after, feed.after(after));
      bodies.set(after, body);
      sendJson(res, body);
    }
    held.clear();
  });
  return listenFloor(server, host, feed);
};
