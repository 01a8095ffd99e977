/**
 * The polling transports' fast path (served before Koa) against their Koa routes: a request
 * with a foreign `Origin` always goes through Koa (the CORS middleware owns those, and adds no
 * header for a foreign origin), the same request without one is taken by the fast path once
 * Koa has validated its query. Both answers must be the same bytes, Date aside.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer } from '../support/server.ts';

/** One request on its own connection (`Connection: close`): the whole answer, Date line removed. */
function answer(s: RunningServer, target: string, origin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(Number(new URL(s.url).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer to ${target} within 10 s`));
    }, 10_000);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/\r\nDate: [^\r]*/, ''),
      );
    });
    const extra = origin === undefined ? '' : `Origin: ${origin}\r\n`;
    sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`);
  });
}

const FOREIGN = 'http://elsewhere.example';

/**
 * Two requests for `target` on one keep-alive connection, the first with a foreign `Origin`
 * (Koa), the second without (the fast path): both answers, Date lines removed.
 */
function keepAliveAnswers(s: RunningServer, target: string): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const sock = connect(Number(new URL(s.url).port), '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answers to ${target} within 10 s`));
    }, 10_000);
    sock.on('error', reject);
    sock.on('data', (d) => {
      text += d.toString('latin1');
      const answers = text.replace(/\r\nDate: [^\r]*/g, '').split(/(?=HTTP\/1\.1 )/);
      const complete = answers.filter((a) => {
        const end = a.indexOf('\r\n\r\n');
        const length = /\r\nContent-Length: (\d+)/.exec(a);
        return end !== -1 && a.length - end - 4 === Number(length?.[1] ?? 0);
      });
      if (complete.length === 2) {
        clearTimeout(timer);
        sock.destroy();
        resolve([complete[0] ?? '', complete[1] ?? '']);
      }
    });
    const get = (extra: string) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
    sock.write(get(`Origin: ${FOREIGN}\r\n`) + get(''));
  });
}

describe('fast GET routes', () => {
  it('poll and long-poll answer the same bytes before Koa as through it: 200 with messages, 200 empty, 204', async () => {
    const s = await startTestServer();
    try {
      await s.feed.publish({ source: 'chat', body: 'one' });
      await s.feed.publish({ source: 'log', body: 'two' });
      for (const target of [
        '/api/poll?after=0',
        '/api/poll?after=2',
        '/api/poll?after=0&sources=log',
        '/api/long-poll?after=0',
        '/api/long-poll?after=2&timeout=50',
        '/api/long-poll?after=1&timeout=50&sources=chat',
      ]) {
        const viaKoa = await answer(s, target, FOREIGN);
        const fast = await answer(s, target);
        assert.match(viaKoa, /^HTTP\/1\.1 20[04] /, target);
        assert.equal(fast, viaKoa, target);
      }
    } finally {
      await s.close();
    }
  });

  it('keep-alive answers are the same bytes before Koa as through it (Connection and Keep-Alive included)', async () => {
    const s = await startTestServer();
    try {
      await s.feed.publish({ source: 'chat', body: 'one' });
      for (const target of ['/api/poll?after=0', '/api/poll?after=1', '/api/long-poll?after=0']) {
        const [viaKoa, fast] = await keepAliveAnswers(s, target);
        assert.match(viaKoa, /^HTTP\/1\.1 200 [\s\S]*\r\nKeep-Alive: /, target);
        assert.equal(fast, viaKoa, target);
      }
    } finally {
      await s.close();
    }
  });

  it('a failed read is handed to Koa with the headers set so far: the same error bytes as the Koa path', async () => {
    const s = await startTestServer();
    try {
      await s.feed.publish({ source: 'chat', body: 'one' });
      // Koa validates (and remembers) the queries first, so the fast path takes them after.
      for (const target of ['/api/poll?after=0', '/api/long-poll?after=0']) await answer(s, target, FOREIGN);
      // The poll's fast path reads synchronously from a memory feed; long-poll (and Koa) read.
      s.feed.read = () => Promise.reject(new Error('feed away'));
      s.feed.readSync = () => {
        throw new Error('feed away');
      };
      for (const target of ['/api/poll?after=0', '/api/long-poll?after=0']) {
        const viaKoa = await answer(s, target, FOREIGN);
        const fast = await answer(s, target);
        assert.match(viaKoa, /^HTTP\/1\.1 5\d\d /, target);
        assert.equal(fast, viaKoa, target);
      }
    } finally {
      await s.close();
    }
  });

  it('a bad query is refused as before, every time (the fast path never serves what Koa did not validate)', async () => {
    const s = await startTestServer();
    try {
      for (let i = 0; i < 2; i++) {
        const bad = await answer(s, '/api/poll?after=-1');
        assert.match(bad, /^HTTP\/1\.1 400 /);
        assert.match(bad, /"code":"BAD_CURSOR"|"code":"BAD_REQUEST"/);
      }
    } finally {
      await s.close();
    }
  });
});
