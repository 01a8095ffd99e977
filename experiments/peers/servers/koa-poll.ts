/** The poll floor on Koa + @koa/router. */
import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { answerOf, cursorOf, FloorFeed, listenFloor, type StartPeer } from './server.ts';

export const start: StartPeer = async (host) => {
  const feed = new FloorFeed();
  const router = new Router();
  router.get('/api/poll', (ctx) => {
    const after = cursorOf(ctx.query.after as string | undefined, feed.head());
    ctx.set('cache-control', 'no-store');
    ctx.type = 'json';
    ctx.body = answerOf(after, feed.after(after));
  });
  const app = new Koa().use(router.routes());
  return listenFloor(createServer(app.callback()), host, feed);
};
