/** The long-poll floor on Koa + @koa/router: the node:http floor's behaviour, as a Koa route. */
import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { answerOf, cursorOf, FloorFeed, listenFloor, type StartPeer } from './server.ts';

const TIMEOUT_MS = 25_000;

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const waiting = new Set<() => void>();
  feed.subscribe(() => {
    for (const wake of waiting) wake();
    waiting.clear();
  });
  const router = new Router();
  router.get('/api/long-poll', async (ctx) => {
    const after = cursorOf(ctx.query.after as string | undefined, feed.head());
    if (feed.head() <= after) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, TIMEOUT_MS);
        function done() {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        }
        waiting.add(done);
        ctx.res.on('close', done);
      });
    }
    const ready = feed.after(after);
    if (ready.length === 0) {
      ctx.status = 204;
      return;
    }
    ctx.set('cache-control', 'no-store');
    ctx.type = 'json';
    ctx.body = answerOf(after, ready);
  });
  const app = new Koa().use(router.routes());
  return listenFloor(createServer(app.callback()), host, feed);
};
