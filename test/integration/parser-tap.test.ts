/**
 * The meter reads a plain socket through Node's own C++ HTTP parser (parser-tap.ts) instead of
 * a 'data' listener, which would take the socket away from it. These hold that the fast path is
 * really taken (a Node whose internals changed would fall back silently otherwise), and that
 * when something takes the socket back mid-head the meter follows to 'data' without losing a
 * byte. Exactness everywhere else is meter-server.test.ts's.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { readsTapped } from '../../server/metering/parser-tap.ts';
import {
  assertCounts,
  type Harness,
  opened,
  RawClient,
  responses,
  routes,
  split,
  start,
} from '../support/meter-harness.ts';

/** Polls a condition no event announces. */
async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Whether Node parses `socket` in C++ (its parser "consumes" the stream). */
const consumed = (socket: object): boolean => {
  const parser: unknown = Reflect.get(socket, 'parser');
  return parser !== null && typeof parser === 'object' && Reflect.get(parser, '_consumed') === true;
};

/** Ends the client and holds every byte of the one poll to the meter's counts. */
async function endExactly(h: Harness, c: RawClient, got: Buffer): Promise<void> {
  c.socket.end();
  const [answer] = responses(got);
  assert.ok(answer);
  await assertCounts(h, { poll: { in: split(REQUEST.length, 0), out: split(answer.head, answer.body), requests: 1 } });
  await h.stop();
}

const REQUEST = 'GET /api/poll?after=3 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n';

describe('parser tap', { timeout: 20_000 }, () => {
  afterEach(() => {
    for (const close of opened.splice(0)) close();
  });

  it('a plain socket stays with the C++ parser: the meter reads it there, exactly', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    c.write(REQUEST);
    const got = await c.until((r) => responses(r).length === 1, 'the poll answer');
    const [server] = h.sockets;
    assert.ok(server);
    assert.equal(consumed(server), true, "Node's parser still consumes the socket");
    assert.equal(readsTapped(server), true, 'the meter reads through the parser');
    await endExactly(h, c, got);
  });

  it("a 'data' listener added mid-head: the meter follows to 'data' and misses no byte", async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    const cut = 11;
    c.write(REQUEST.slice(0, cut));
    const [server] = h.sockets;
    assert.ok(server);
    await waitFor(() => server.bytesRead === cut, 'the first piece to be read');
    assert.equal(readsTapped(server), true);
    server.on('data', () => {});
    assert.equal(consumed(server), false, "a 'data' listener takes the socket back from the C++ parser");
    assert.equal(readsTapped(server), false, 'the meter left the parser for the socket');
    c.write(REQUEST.slice(cut));
    const got = await c.until((r) => responses(r).length === 1, 'the poll answer');
    await endExactly(h, c, got);
  });
});
