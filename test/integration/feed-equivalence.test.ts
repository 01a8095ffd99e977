import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { createTransport, createWsTransport, publishHttp } from '../../client/lib/index.ts';
import type { ClientOptions, ClientTransport, PublishAck } from '../../client/lib/types.ts';
import { TRANSPORT_NAMES } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { Recorder } from '../support/client-recorder.ts';
import { startTestServer, waitFor } from '../support/server.ts';

const BURSTS = 10;
const BURST_SIZE = 20;
const TOTAL = BURSTS * BURST_SIZE;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('feed equivalence', () => {
  let s: RunningServer;
  before(async () => {
    // No publish rate limit: the bursts are the point.
    s = await startTestServer({ publishRate: 0 });
  });
  after(() => s.close());

  it(`delivers the same ${TOTAL} messages, published over HTTP and WS in parallel bursts, identically on all four transports`, async () => {
    const options: ClientOptions = {
      baseUrl: s.url,
      pollIntervalMs: 50,
      longPollTimeoutMs: 5000,
      // Small pages, so poll and long-poll must catch up over several requests.
      limit: 7,
      backoff: { initialMs: 20, maxMs: 200 },
      WebSocket,
      EventSource,
    };
    const head = s.feed.head;
    const from = { after: head, epoch: s.feed.epoch };
    const publisher = createWsTransport(options);
    const receivers = TRANSPORT_NAMES.map((name) => {
      const transport: ClientTransport = name === 'ws' ? publisher : createTransport(name, options);
      return { name, transport, rec: new Recorder() };
    });
    for (const r of receivers) r.transport.start(from, r.rec);
    const wsRec = receivers.find((r) => r.name === 'ws')?.rec;
    assert.ok(wsRec);
    await wsRec.until(() => wsRec.states.includes('open'), 'the ws receiver open');

    const published: Array<{ body: string; via: 'http' | 'ws'; ack: PublishAck }> = [];
    for (let b = 0; b < BURSTS; b++) {
      const burst = range(0, BURST_SIZE - 1).map(async (i) => {
        const n = b * BURST_SIZE + i;
        const body = `message ${n}`;
        const via = i % 2 === 0 ? 'http' : 'ws';
        const id = `eq-${n}`;
        const ack = via === 'http' ? await publishHttp(s.url, { body, id }) : await publisher.publish(body, { id });
        return { body, via, ack } as const;
      });
      published.push(...(await Promise.all(burst)));
    }
    // A sentinel after the bursts: once every receiver has it, nothing of the bursts is still in flight.
    const sentinel = await publishHttp(s.url, { body: 'sentinel' });
    await Promise.all(
      receivers.map((r) => r.rec.until(() => r.rec.received.length >= TOTAL + 1, `${r.name}: all messages`, 15_000)),
    );

    // What was published: every message stored once, seqs contiguous.
    assert.equal(published.length, TOTAL);
    assert.ok(published.every((p) => !p.ack.duplicate));
    assert.deepEqual(
      published.map((p) => p.ack.seq).sort((a, b) => a - b),
      range(head + 1, head + TOTAL),
    );
    assert.equal(sentinel.seq, head + TOTAL + 1);
    const bodyOf = new Map(published.map((p) => [p.ack.seq, p.body]));
    bodyOf.set(sentinel.seq, 'sentinel');

    // What each transport delivered: every seq once, in order, with the body that was acked.
    for (const { name, rec } of receivers) {
      assert.deepEqual(rec.seqs, range(head + 1, head + TOTAL + 1), `${name}: every seq once, in order`);
      assert.deepEqual(
        rec.received.map((m) => m.body),
        rec.seqs.map((seq) => bodyOf.get(seq)),
        `${name}: the acked bodies`,
      );
      assert.deepEqual(rec.resets, [], `${name}: no reset`);
      assert.deepEqual(rec.errors, [], `${name}: no error`);
    }

    // The four arrays are identical, and identical to what the feed stored.
    const [first, ...others] = receivers;
    assert.ok(first);
    for (const other of others) {
      assert.deepEqual(other.rec.received, first.rec.received, `${other.name} = ${first.name}`);
    }
    const stored = await s.feed.read(head);
    assert.deepEqual(first.rec.received, stored.messages);

    for (const r of receivers) r.transport.stop();
    await waitFor(
      () => s.feed.subscribers === 0 && s.stats.transports['long-poll'].held === 0,
      3000,
      'every receiver released',
    );
  });
});
