import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestFramer, ResponseFramer } from '../../server/metering/http-framer.ts';
import { req, res, run, summarize } from '../support/http-streams.ts';

describe('RequestFramer', () => {
  it('a GET is all header, reported with its request', () => {
    const head = 'GET /api/poll?after=3 HTTP/1.1\r\nHost: a\r\n\r\n';
    const framer = new RequestFramer();
    assert.deepEqual(framer.push(Buffer.from(head)), [req('GET', '/api/poll'), { part: 'header', bytes: head.length }]);
    assert.equal(framer.pending, 0);
  });

  it('a Content-Length body is payload', () => {
    const head = 'POST /api/publish HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n';
    const items = new RequestFramer().push(Buffer.from(`${head}{"body":"hi"}`));
    assert.deepEqual(summarize(items), [
      { event: null, header: 0, payload: 0 },
      { event: req('POST', '/api/publish'), header: head.length, payload: 13 },
    ]);
  });

  it('chunk-size lines, extensions, CRLFs and trailers are header; chunk data is payload', () => {
    const head = 'POST /up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n';
    const body = '5\r\nhello\r\n3;name=value\r\nabc\r\nA;q="a b"\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n';
    const items = new RequestFramer().push(Buffer.from(head + body));
    assert.deepEqual(summarize(items)[1], {
      event: req('POST', '/up'),
      header: head.length + body.length - 18,
      payload: 18,
    });
  });

  it('pipelined requests come apart in order, each with its own bytes', () => {
    const a = 'GET /api/poll HTTP/1.1\r\nHost: a\r\n\r\n';
    const b = 'POST /api/publish HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi';
    const c = 'GET /api/sse HTTP/1.1\r\n\r\n';
    assert.deepEqual(summarize(new RequestFramer().push(Buffer.from(a + b + c))), [
      { event: null, header: 0, payload: 0 },
      { event: req('GET', '/api/poll'), header: a.length, payload: 0 },
      { event: req('POST', '/api/publish'), header: b.length - 2, payload: 2 },
      { event: req('GET', '/api/sse'), header: c.length, payload: 0 },
    ]);
  });

  it('a head split anywhere is reported once, when complete', () => {
    const head = Buffer.from('GET /ws?x=1 HTTP/1.1\r\nHost: a\r\n\r\n');
    const framer = new RequestFramer();
    for (let i = 0; i < head.length - 1; i++) {
      assert.deepEqual(framer.push(head.subarray(i, i + 1)), []);
      assert.equal(framer.pending, i + 1);
    }
    assert.deepEqual(framer.push(head.subarray(head.length - 1)), [
      req('GET', '/ws'),
      { part: 'header', bytes: head.length },
    ]);
    assert.equal(framer.pending, 0);
  });

  it('finish() hands back an unfinished head', () => {
    const framer = new RequestFramer();
    framer.push(Buffer.from('GET / HTTP/1.1\r\nHo'));
    assert.equal(framer.finish(), 18);
    assert.deepEqual(framer.push(Buffer.from('st: a\r\n\r\n')), [{ part: 'header', bytes: 9 }]);
  });

  it('leading empty lines belong to the next head; extra spaces in the request line are fine', () => {
    const text = '\r\n\r\nGET  /a  HTTP/1.0\r\nHost: x\r\n\r\n';
    assert.deepEqual(new RequestFramer().push(Buffer.from(text)), [
      req('GET', '/a'),
      { part: 'header', bytes: text.length },
    ]);
  });

  it('absolute-form targets give their path', () => {
    const items = new RequestFramer().push(Buffer.from('GET http://example.com:81/api/poll?a=1 HTTP/1.1\r\n\r\n'));
    assert.deepEqual(items[0], req('GET', '/api/poll'));
  });

  it('an upgrade request switches after its head, leaving the rest of the chunk', () => {
    const head = 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n';
    const framer = new RequestFramer();
    assert.deepEqual(framer.push(Buffer.from(`${head}\x81\x80abcd`, 'latin1')), [
      req('GET', '/ws', true),
      { part: 'header', bytes: head.length },
      { event: 'switch', rest: 6 },
    ]);
    // Fed anyway after the switch: counted as header, nothing parsed.
    assert.deepEqual(framer.push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), [{ part: 'header', bytes: 18 }]);
  });

  it('an upgrade nobody takes over is an ordinary request', () => {
    const head = 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n';
    const framer = new RequestFramer({ upgradeTakesOver: () => false });
    assert.deepEqual(summarize(framer.push(Buffer.from(head + head))).slice(1), [
      { event: req('GET', '/ws', true), header: head.length, payload: 0 },
      { event: req('GET', '/ws', true), header: head.length, payload: 0 },
    ]);
  });

  it('Upgrade without Connection: upgrade is no upgrade', () => {
    const items = new RequestFramer().push(Buffer.from('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'));
    assert.deepEqual(items[0], req('GET', '/ws', false));
  });

  it('a malformed head is header, and so is everything after it', () => {
    for (const bad of [
      'GET / HTTP/1.1\r\nBad Header\r\n\r\n',
      'GET / HTTP/1.1\r\nSpace : x\r\n\r\n',
      'NOT HTTP AT ALL\r\n\r\n',
      'GET / HTTP/3.0\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n',
      'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n',
      'GET / HTTP/1.1\nHost: a\n\n',
      'GET / HTTP/1.1\r\nHost: a\n\r\n',
      'GET / HTTP/1.1\r\nX-Fold: a\r\n b\r\n\r\n',
      'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n',
      'GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n',
      'GET /caf\u00e9 HTTP/1.1\r\n\r\n',
      'GET\t/ HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.2\r\n\r\n',
      'get / HTTP/1.1\r\n\r\n',
      'BREW / HTTP/1.1\r\n\r\n',
    ]) {
      const framer = new RequestFramer({ methods: new Set(['GET', 'POST']) });
      const stream = Buffer.from(`${bad}GET / HTTP/1.1\r\n\r\n`);
      assert.deepEqual(framer.push(stream), [{ part: 'header', bytes: stream.length }], bad);
      assert.equal(framer.failed, true);
    }
  });

  it('bad chunk framing is header from there on: no CRLF after data, bare LF, whitespace in the size', () => {
    const head = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (const [body, payload] of [
      ['3\r\nabc\n0\r\n\r\n', 3],
      ['3\nabc\r\n0\r\n\r\n', 0],
      ['3 \r\nabc\r\n0\r\n\r\n', 0],
      ['3\r\nabc\r\n0\r\nX: y\n\r\n', 3],
    ] as const) {
      const framer = new RequestFramer();
      const [, message] = summarize(framer.push(Buffer.from(head + body)));
      assert.deepEqual(
        message,
        { event: req('POST', '/'), header: head.length + body.length - payload, payload },
        body,
      );
      assert.equal(framer.failed, true);
    }
  });

  it('bad chunk framing is header from there on', () => {
    const head = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    const items = new RequestFramer().push(Buffer.from(`${head}3\r\nabcXY5\r\nhello\r\n0\r\n\r\n`));
    assert.deepEqual(items.slice(1), [
      { part: 'header', bytes: head.length + 3 },
      { part: 'payload', bytes: 3 },
      { part: 'header', bytes: 17 },
    ]);
  });

  it('a head over the cap is counted as header without being kept', () => {
    const framer = new RequestFramer({ maxHeadSize: 100 });
    const big = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(200)}`);
    assert.deepEqual(framer.push(big.subarray(0, 50)), []);
    assert.deepEqual(framer.push(big.subarray(50)), [{ part: 'header', bytes: big.length }]);
    assert.equal(framer.pending, 0);
    assert.equal(framer.failed, true);
  });
});

describe('ResponseFramer', () => {
  it('matches responses to expected requests in order, and carries their tags', () => {
    const a = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    const b = 'HTTP/1.1 204 No Content\r\n\r\n';
    const c = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n';
    const framer = new ResponseFramer<string>();
    framer.expect('GET', 'a');
    framer.expect('DELETE', 'b');
    framer.expect('HEAD', 'c');
    assert.equal(framer.queued, 3);
    assert.deepEqual(summarize(framer.push(Buffer.from(a + b + c))).slice(1), [
      { event: res(200, 'a'), header: a.length - 5, payload: 5 },
      { event: res(204, 'b'), header: b.length, payload: 0 },
      { event: res(200, 'c'), header: c.length, payload: 0 },
    ]);
    assert.equal(framer.queued, 0);
  });

  it('a response nobody asked for has no tag (Node answering garbage with 400)', () => {
    const text = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
    assert.deepEqual(new ResponseFramer().push(Buffer.from(text)), [
      res(400, undefined),
      { part: 'header', bytes: text.length },
    ]);
  });

  it('1xx interim responses are header and do not consume the request; 304 has no body', () => {
    const cont = 'HTTP/1.1 100 Continue\r\n\r\n';
    const final = 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n';
    const framer = new ResponseFramer<number>();
    framer.expect('PUT', 1);
    assert.deepEqual(summarize(framer.push(Buffer.from(cont + final))).slice(1), [
      { event: res(100, 1), header: cont.length, payload: 0 },
      { event: res(304, 1), header: final.length, payload: 0 },
    ]);
  });

  it('chunked bodies: framing is header, data is payload', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    const body = '1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n';
    const framer = new ResponseFramer();
    framer.expect('GET', 'x');
    assert.deepEqual(summarize(framer.push(Buffer.from(head + body)))[1], {
      event: res(200, 'x'),
      header: head.length + body.length - 26,
      payload: 26,
    });
  });

  it('without a length the body runs until close', () => {
    const head = 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n';
    const framer = new ResponseFramer();
    framer.expect('GET', 'x');
    framer.push(Buffer.from(head));
    assert.deepEqual(framer.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), [{ part: 'payload', bytes: 19 }]);
  });

  it('splits an event-stream body by SSE syntax, inside the chunk framing', () => {
    const head =
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n';
    const events = ['retry: 1000\nid: 1\nevent: hello\ndata: {"a":1}\n\n', ': heartbeat\n\n', 'id: 2\ndata: xyz\n\n'];
    const body = `${events.map((e) => `${Buffer.byteLength(e).toString(16)}\r\n${e}\r\n`).join('')}0\r\n\r\n`;
    const framer = new ResponseFramer();
    framer.expect('GET', 'sse');
    const [, message] = summarize(run((c) => framer.push(c), Buffer.from(head + body), [70, 95, 100, 101, 150]));
    assert.deepEqual(message, {
      event: res(200, 'sse', true),
      header: head.length + body.length - 10,
      payload: 10,
    });
  });

  it('a 101 switches right after its head', () => {
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    const framer = new ResponseFramer<string>();
    framer.expect('GET', 'ws');
    assert.deepEqual(framer.push(Buffer.from(`${head}\x81\x02hi`, 'latin1')), [
      res(101, 'ws'),
      { part: 'header', bytes: head.length },
      { event: 'switch', rest: 4 },
    ]);
    assert.equal(framer.queued, 0);
  });

  it('a response that is no HTTP is header', () => {
    const framer = new ResponseFramer();
    framer.expect('GET', 'x');
    assert.deepEqual(framer.push(Buffer.from('garbage\r\n\r\nmore')), [{ part: 'header', bytes: 15 }]);
    assert.equal(framer.failed, true);
  });
});
