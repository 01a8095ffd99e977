import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { publish, startTestServer, waitFor } from '../support/server.ts';
import { openWs, upgradeStatus } from '../support/ws.ts';

const wsUrl = (s: RunningServer, q = '') => `${s.url.replace('http', 'ws')}/ws${q}`;

describe('websocket transport', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ historySize: 4, wsMaxPayload: 1024 });
  });
  after(() => s.close());

  it('sends hello first, then one frame per message', async () => {
    const c = await openWs(wsUrl(s));
    const [hello] = await c.next(1);
    assert.deepEqual(hello, { type: 'hello', epoch: s.feed.epoch, cursor: s.feed.head, instance: s.config.instance });
    const { json } = await publish(s.url, 'over ws');
    const [, frame] = await c.next(2);
    assert.equal(frame?.type, 'message');
    assert.equal(frame?.type === 'message' && frame.seq, json.seq);
    assert.equal(frame?.type === 'message' && frame.body, 'over ws');
    c.ws.close();
    await waitFor(() => s.stats.transports.ws.connections === 0 && s.feed.subscribers === 0, 20_000, 'ws released');
  });

  it('publishes over the socket: the message frame, then the ack', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    c.send({ type: 'publish', body: 'from ws', id: 'w-1' });
    const [, message, ack] = await c.next(3);
    assert.equal(message?.type, 'message');
    assert.deepEqual(ack, { type: 'ack', id: 'w-1', seq: message?.type === 'message' ? message.seq : -1 });
    c.send({ type: 'publish', body: 'from ws again', id: 'w-1' });
    const [, , , dup] = await c.next(4);
    assert.deepEqual(dup, { type: 'ack', id: 'w-1', seq: ack?.type === 'ack' ? ack.seq : -1, duplicate: true });
    c.ws.close();
  });

  it('answers bad frames with an error frame and stays open', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    const bad: Array<[unknown, string]> = [
      ['not json', 'BAD_FRAME'],
      ['[1,2]', 'BAD_FRAME'],
      [{ type: 'subscribe' }, 'BAD_FRAME'],
      [{ type: 'publish' }, 'INVALID_MESSAGE'],
      [{ type: 'publish', body: '' }, 'INVALID_MESSAGE'],
      [{ type: 'publish', body: 'x', source: 'ticker' }, 'INVALID_MESSAGE'],
      [{ type: 'publish', body: 'x', id: 'has space' }, 'INVALID_MESSAGE'],
      [{ type: 'publish', body: 'x', extra: 1 }, 'INVALID_MESSAGE'],
    ];
    const head = s.feed.head;
    for (const [frame] of bad) c.send(frame);
    c.ws.send(Buffer.alloc(0), { binary: true });
    const frames = (await c.next(1 + bad.length + 1)).slice(1) as ServerFrame[];
    assert.deepEqual(
      frames.map((f) => (f.type === 'error' ? f.code : f.type)),
      [...bad.map(([, code]) => code), 'INVALID_MESSAGE'],
    );
    assert.equal(s.feed.head, head, 'nothing was stored');
    c.send({ type: 'publish', body: 'still open' });
    await c.next(1 + bad.length + 1 + 2);
    c.ws.close();
  });

  it('closes with 1009 on a frame over maxPayload', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    c.send({ type: 'publish', body: 'x'.repeat(2000) });
    assert.equal((await c.closed).code, 1009);
  });

  it('resumes from after and says reset when the cursor was evicted', async () => {
    for (let i = 0; i < 6; i++) await publish(s.url, `fill ${i}`);
    const head = s.feed.head;
    const resumed = await openWs(wsUrl(s, `?after=${head - 2}&epoch=${s.feed.epoch}`));
    const frames = await resumed.next(3);
    assert.deepEqual(frames[0], { type: 'hello', epoch: s.feed.epoch, cursor: head - 2, instance: s.config.instance });
    assert.deepEqual(
      frames.slice(1).map((f) => (f.type === 'message' ? f.seq : -1)),
      [head - 1, head],
    );
    resumed.ws.close();
    const reset = await openWs(wsUrl(s, `?after=1&epoch=${s.feed.epoch}`));
    const [hello] = await reset.next(1);
    assert.deepEqual(hello, {
      type: 'hello',
      epoch: s.feed.epoch,
      cursor: head - 4,
      reset: true,
      instance: s.config.instance,
    });
    reset.ws.close();
  });

  it('refuses a foreign Origin with 403 before any upgrade, and a bad cursor with 400', async () => {
    const foreign = await upgradeStatus(wsUrl(s), { Origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal((JSON.parse(foreign.body) as { error: { code: string } }).error.code, 'FORBIDDEN_ORIGIN');
    assert.equal((await upgradeStatus(wsUrl(s), { Origin: 'http://localhost:5173' })).status, 101);
    const bad = await upgradeStatus(wsUrl(s, '?after=-1'));
    assert.equal(bad.status, 400);
    assert.equal((await upgradeStatus(`${s.url.replace('http', 'ws')}/nowhere`)).status, 404);
  });

  it('closes with 1007 on invalid UTF-8 in a text frame', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    // A masked text frame carrying 0xff, which is never valid UTF-8.
    const socket = (c.ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.write(Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0xff]));
    assert.equal((await c.closed).code, 1007);
  });

  it('closes every connection with 1001 when the server closes', async () => {
    const other = await startTestServer();
    const c = await openWs(wsUrl(other));
    await c.next(1);
    await other.close();
    assert.equal((await c.closed).code, 1001);
  });

  it('survives a raw client that sends a garbage upgrade', async () => {
    const sock = connect(Number(new URL(s.url).port), '127.0.0.1');
    sock.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      sock.on('data', (d) => {
        text += String(d);
      });
      sock.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1.1 400/);
    // Refused in the JSON shape of every refusal, not in ws's plain text.
    assert.match(
      answer,
      /\r\n\r\n\{"error":\{"code":"BAD_REQUEST","message":"missing or invalid Sec-WebSocket-Key"\}\}$/,
    );
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200);
  });
});
