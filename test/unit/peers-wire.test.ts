import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberAfter, Samples, scanMessages, Tracker } from '../../experiments/peers/clients/track.ts';
import { parseCpuLine, parseSchedstat, parseVmRss } from '../../experiments/peers/proc.ts';
import { answerOf, cursorOf, FloorFeed } from '../../experiments/peers/servers/server.ts';

describe('peers /proc parsing', () => {
  it('reads ns on CPU from a schedstat line', () => {
    assert.equal(parseSchedstat('123456789 42 7\n'), 123456789);
    assert.equal(parseSchedstat(''), null);
    assert.equal(parseSchedstat('x 1 2'), null);
  });

  it('reads one CPU of /proc/stat: user + nice + system as busy, and steal', () => {
    const stat = [
      'cpu  10 0 10 100 0 0 0 0 0 0',
      'cpu0 100 5 20 900 3 7 9 4 0 0',
      'cpu1 1 2 3 4 5 6 7 8 0 0',
      'intr 1',
    ].join('\n');
    assert.deepEqual(parseCpuLine(stat, 0), { busy: 125, steal: 4 });
    assert.deepEqual(parseCpuLine(stat, 1), { busy: 6, steal: 8 });
    assert.equal(parseCpuLine(stat, 2), null);
  });

  it('reads VmRSS in bytes', () => {
    assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t   51200 kB\nThreads: 7\n'), 51200 * 1024);
    assert.equal(parseVmRss('Name:\tnode\n'), null);
  });
});

describe('peers raw clients', () => {
  const buf = (s: string) => Buffer.from(s, 'latin1');

  describe('scanMessages', () => {
    it('finds every message by its seq and ts keys, in any framing', () => {
      const got: Array<[number, number]> = [];
      const text =
        '42["message",{"seq":7,"ts":1700000000000.25,"source":"bench","body":{"n":1}}]' +
        'id: 8\ndata: {"seq":8,"ts":1700000000001,"source":"bench","body":{"n":2}}\n\n';
      scanMessages(buf(text), 0, text.length, (seq, ts) => got.push([seq, ts]));
      assert.deepEqual(got, [
        [7, 1700000000000.25],
        [8, 1700000000001],
      ]);
    });

    it('leaves a message cut at the end for the next read', () => {
      const got: number[] = [];
      const text = '{"seq":9,"ts":17000';
      scanMessages(buf(text), 0, text.length, (seq) => got.push(seq));
      assert.deepEqual(got, []);
    });
  });

  it('numberAfter reads an integer after a key and spaces', () => {
    assert.equal(numberAfter(buf('content-length:  42\r\n'), buf('content-length:')), 42);
    assert.equal(numberAfter(buf('{"cursor":17,'), buf('"cursor":')), 17);
    assert.equal(numberAfter(buf('{"epoch":"x"}'), buf('"cursor":')), null);
  });

  it('Tracker counts gaps as lost and repeats as duplicated, keeping latencies of first receptions', () => {
    const samples = new Samples();
    const t = new Tracker(10, samples);
    t.receive(11, 100, 105);
    t.receive(13, 100, 110);
    t.receive(12, 100, 111);
    assert.equal(t.last, 13);
    assert.equal(t.lost, 1);
    assert.equal(t.duplicated, 1);
    assert.deepEqual([...samples.take()], [5, 10]);
  });
});

describe('peers floor feed', () => {
  it('keeps messages for cursors and answers them as the floors do', () => {
    const feed = new FloorFeed();
    const heard: number[] = [];
    feed.subscribe((m) => heard.push(m.seq));
    feed.publish(1);
    feed.publish(2);
    assert.equal(feed.head(), 2);
    assert.deepEqual(heard, [1, 2]);
    const after1 = feed.after(1);
    assert.equal(after1.length, 1);
    assert.match(after1[0]?.json ?? '', /^\{"seq":2,"ts":[\d.]+,"source":"bench","body":\{"n":2\}\}$/);
    assert.equal(answerOf(1, after1), `{"cursor":2,"messages":[${after1[0]?.json}]}`);
    assert.equal(answerOf(2, []), '{"cursor":2,"messages":[]}');
    assert.equal(cursorOf('5', 9), 5);
    assert.equal(cursorOf('5x', 9), 9);
    assert.equal(cursorOf(null, 9), 9);
  });
});

describe('peers CPU profile shares', () => {
  it('sums self time by part of the code, idle and the TypeScript loader left out', async () => {
    const { shareByPart } = await import('../../experiments/peers/profile.ts');
    const frame = (id: number, url: string, functionName: string) => ({ id, callFrame: { url, functionName } });
    const shares = shareByPart({
      nodes: [
        frame(1, '', '(root)'),
        frame(2, 'file:///app/dist/build/server/metering/socket-meter.js', 'count'),
        frame(3, 'node:net', 'write'),
        frame(4, '', 'writev'),
        frame(5, 'file:///app/node_modules/koa/lib/application.js', 'handle'),
        frame(6, '', '(idle)'),
        frame(7, 'file:///app/node_modules/tsx/dist/loader.mjs', 'load'),
      ],
      samples: [2, 4, 3, 5, 6, 6, 7, 1],
      timeDeltas: [1000, 1000, 1000, 1000, 5000, 5000, 9000, 9000],
    });
    assert.deepEqual(
      shares.map((s) => [s.part, s.ms, s.share]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['koa', 1, 0.25],
        ['native (syscalls, (program))', 1, 0.25],
        ['node (JS)', 1, 0.25],
        ['pushrace: byte meter', 1, 0.25],
      ],
    );
  });
});
