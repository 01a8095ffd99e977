import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ByteSplit } from '../../protocol/wire.ts';
import { EioSplitter } from '../../server/metering/eio-splitter.ts';

/** Feeds `record` as one record, cut at `cuts`, and returns the split. */
function split(record: string, cuts: readonly number[] = [], length = Buffer.byteLength(record)): ByteSplit {
  const bytes = Buffer.from(record);
  const s = new EioSplitter();
  const into: ByteSplit = { header: 0, payload: 0 };
  s.begin(length);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    s.push(bytes, at, cut, into);
    at = cut;
  }
  into.header += s.flush();
  return into;
}

describe('EioSplitter', () => {
  it('counts a message event: its envelope is payload, 42["message", and ] are header', () => {
    assert.deepEqual(split('42["message",{"seq":1}]'), { header: 14, payload: 9 });
  });

  it('counts every packet that is not an event as header: open, ping, pong, CONNECT, acks, probes', () => {
    for (const p of [
      '0{"sid":"abc","upgrades":[]}',
      '2',
      '3',
      '40{"after":3}',
      '430[{"ok":true}]',
      '2probe',
      '5',
      '6',
    ]) {
      assert.deepEqual(split(p), { header: Buffer.byteLength(p), payload: 0 }, p);
    }
  });

  it('takes an ack id and any event name, and an event without arguments is all header', () => {
    assert.deepEqual(split('421["publish",{"body":"hi"}]'), { header: 15, payload: 13 });
    assert.deepEqual(split('42["hello",{"cursor":0}]'), { header: 12, payload: 12 });
    assert.deepEqual(split('42["x"]'), { header: 7, payload: 0 });
  });

  it('splits a polling body at its 0x1E separators, wherever the pieces are cut', () => {
    const body = '42["message",{"a":1}]\x1e2\x1e42["hello",{"b":22}]\x1e430[{"ok":true}]\x1e421["publish",{"x":"é"}]';
    const length = Buffer.byteLength(body);
    const payload = '{"a":1}'.length + '{"b":22}'.length + Buffer.byteLength('{"x":"é"}');
    for (let a = 0; a <= length; a++) {
      for (let b = a; b <= length; b += 5) {
        assert.deepEqual(split(body, [a, b]), { header: length - payload, payload }, `cut at ${a}, ${b}`);
      }
    }
  });

  it('holds back a byte cut off right before a separator, and counts it once, also when the stream ends', () => {
    const body = '42["message",{}]\x1e3';
    const cut = body.indexOf('\x1e');
    assert.deepEqual(split(body, [cut]), { header: 16, payload: 2 });
    // A body of unknown length ending there: flush hands the held byte back as header.
    assert.deepEqual(split('42["message",{}]', [], Number.POSITIVE_INFINITY), { header: 14, payload: 2 });
  });
});
