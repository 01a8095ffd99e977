import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RawSink, ResponseReader } from '../../experiments/harness/raw-http.ts';

/** What a sink heard, in order: the head, the body as one text, and how it ended. */
interface Heard {
  events: string[];
  status: number | undefined;
  headers: Map<string, string> | undefined;
  body: string;
  keepAlive: boolean;
}

/** Feeds `raw` cut at `cuts`, then (optionally) the socket's close, to a fresh parser. */
function hear(raw: string, cuts: readonly number[] = [], close = false, method = 'GET'): Heard {
  const heard: Heard = { events: [], status: undefined, headers: undefined, body: '', keepAlive: true };
  const sink: RawSink = {
    head(h) {
      heard.events.push('head');
      heard.status = h.status;
      heard.headers = h.headers;
    },
    data(c) {
      if (heard.events.at(-1) !== 'data') heard.events.push('data');
      heard.body += c.toString('latin1');
    },
    end() {
      heard.events.push('end');
    },
    error(e) {
      heard.events.push(`error: ${e.message}`);
    },
  };
  const parser = new ResponseReader(sink, method);
  const bytes = Buffer.from(raw, 'latin1');
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(bytes.subarray(from, cut));
    from = cut;
  }
  if (close) parser.closed();
  heard.keepAlive = parser.keepAlive;
  return heard;
}

/** Every way of cutting `raw` in two, and byte by byte. */
function everyCut(raw: string): number[][] {
  const n = Buffer.byteLength(raw, 'latin1');
  return [...Array.from({ length: n + 1 }, (_, i) => [i]), Array.from({ length: n }, (_, i) => i)];
}

const FIXED = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{"messages":1}';
const CHUNKED =
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n' +
  '5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n';

describe('raw-http', () => {
  describe('ResponseReader', () => {
    it('reads a Content-Length body cut anywhere: one head, the body, one end', () => {
      for (const cuts of everyCut(FIXED)) {
        const h = hear(
          FIXED.slice(0, -1),
          cuts.filter((c) => c < FIXED.length - 1),
        );
        assert.deepEqual(
          h.events.filter((e) => e !== 'data'),
          ['head'],
          `incomplete, cut at ${cuts}`,
        );
        const whole = hear(FIXED, cuts);
        assert.deepEqual(whole.events.at(-1), 'end', `cut at ${cuts}`);
        assert.equal(whole.events.filter((e) => e === 'head').length, 1);
        assert.equal(whole.status, 200);
        assert.equal(whole.headers?.get('content-type'), 'application/json');
        assert.equal(whole.body, '{"messages":1}');
        assert.equal(whole.keepAlive, true);
      }
    });

    it('reads a chunked body with extensions and trailers cut anywhere, repeated headers joined', () => {
      for (const cuts of everyCut(CHUNKED)) {
        const h = hear(CHUNKED, cuts);
        assert.equal(h.events[0], 'head', `cut at ${cuts}`);
        assert.equal(h.events.at(-1), 'end', `cut at ${cuts}`);
        assert.equal(h.body, 'hello, world', `cut at ${cuts}`);
        assert.equal(h.headers?.get('x-a'), '1, 2');
      }
    });

    it('hands an event stream over as it arrives, field syntax included', () => {
      const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';
      const event = 'id: 7\ndata: {"seq":7}\n\n';
      const h = hear(`${head}${event.length.toString(16)}\r\n${event}\r\n`);
      assert.deepEqual(h.events, ['head', 'data']);
      assert.equal(h.body, event);
      assert.equal(h.headers?.get('content-type'), 'text/event-stream');
    });

    it('ends 204 and 304 answers at their head, Content-Length: 0 too', () => {
      for (const raw of [
        'HTTP/1.1 204 No Content\r\nX: y\r\n\r\n',
        'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      ]) {
        const h = hear(raw);
        assert.deepEqual(h.events, ['head', 'end'], raw);
        assert.equal(h.keepAlive, true);
      }
    });

    it('reads a body without a length until the close, and keeps no such connection', () => {
      const raw = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it';
      const open = hear(raw);
      assert.deepEqual(open.events, ['head', 'data']);
      const closed = hear(raw, [], true);
      assert.deepEqual(closed.events, ['head', 'data', 'end']);
      assert.equal(closed.body, 'all of it');
      assert.equal(closed.keepAlive, false);
    });

    it('skips an interim 100 Continue and reads the final answer', () => {
      const h = hear(`HTTP/1.1 100 Continue\r\n\r\n${FIXED}`);
      assert.deepEqual(h.events, ['head', 'data', 'end']);
      assert.equal(h.status, 200);
    });

    it('reads no body in the answer to HEAD, whatever its Content-Length', () => {
      const h = hear('HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n', [], false, 'HEAD');
      assert.deepEqual(h.events, ['head', 'end']);
    });

    it('keeps no connection the server said it closes', () => {
      const h = hear('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
      assert.deepEqual(h.events, ['head', 'data', 'end']);
      assert.equal(h.keepAlive, false);
    });

    it('ignores bytes after the end of the answer', () => {
      const h = hear(`${FIXED}HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n`);
      assert.deepEqual(h.events, ['head', 'data', 'end']);
      assert.equal(h.status, 200);
    });

    it('fails on a close before the answer is complete', () => {
      for (const raw of [FIXED.slice(0, -3), CHUNKED.slice(0, -5), 'HTTP/1.1 200 OK\r\nContent-Le']) {
        const h = hear(raw, [], true);
        assert.match(h.events.at(-1) ?? '', /^error: the connection closed before the answer was complete/, raw);
        assert.equal(h.keepAlive, false);
      }
    });

    it('fails on what is not an HTTP/1.1 answer: a bad status line or chunk size, a head past 16 KiB', () => {
      const bad = hear('SSH-2.0-OpenSSH\r\n\r\n');
      assert.equal(bad.events.length, 1);
      assert.match(bad.events[0] ?? '', /^error: /);
      const size = hear('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n');
      assert.deepEqual(size.events.length, 2);
      assert.match(size.events[1] ?? '', /^error: /);
      const huge = hear(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}`);
      assert.equal(huge.events.length, 1);
      assert.match(huge.events[0] ?? '', /^error: /);
      assert.equal(huge.keepAlive, false);
    });
  });
});
