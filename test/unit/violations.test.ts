import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, type Logger } from '../../server/observe/log.ts';
import { ViolationLog } from '../../server/observe/violations.ts';

/** The server's own logger, writing into an array of parsed lines. */
function capture(): { lines: Array<Record<string, unknown>>; log: Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('info', sink) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ViolationLog', () => {
  it('logs the first `burst` per kind and IP, then one line saying how many were left out', async () => {
    const { lines, log } = capture();
    const v = new ViolationLog(log, { windowMs: 60_000, burst: 3, maxKeys: 100 });
    for (let i = 0; i < 100; i++) v.report('unauthorized', { ip: '10.0.0.1', path: '/api/messages' });
    v.report('unauthorized', { ip: '10.0.0.2', path: '/api/messages' });
    v.report('protocol', { ip: '10.0.0.1', code: 1002 });
    await tick();
    assert.equal(lines.filter((l) => l.event === 'violation').length, 5, '3 + 1 + 1');
    v.flush();
    await tick();
    const summary = lines.filter((l) => l.event === 'violation-suppressed');
    assert.equal(summary.length, 1);
    assert.equal(summary[0]?.kind, 'unauthorized');
    assert.equal(summary[0]?.ip, '10.0.0.1');
    assert.equal(summary[0]?.suppressed, 97);
  });

  it('starts a fresh window after each flush, and flushes by itself when the window ends', async () => {
    const { lines, log } = capture();
    const v = new ViolationLog(log, { windowMs: 30, burst: 1, maxKeys: 100 });
    v.report('rate_limit_close', { ip: '::1' });
    v.report('rate_limit_close', { ip: '::1' });
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(
      lines.map((l) => [l.event, l.suppressed]),
      [
        ['violation', undefined],
        ['violation-suppressed', 1],
      ],
    );
    v.report('rate_limit_close', { ip: '::1' });
    await tick();
    assert.equal(lines.filter((l) => l.event === 'violation').length, 2, 'logged again in the new window');
    v.flush();
  });

  it('tracks at most maxKeys offenders a window: the rest of a kind share one "*" line', async () => {
    const { lines, log } = capture();
    const v = new ViolationLog(log, { windowMs: 60_000, burst: 1, maxKeys: 10 });
    for (let i = 0; i < 1000; i++) v.report('too_many_connections', { ip: `10.0.${i >> 8}.${i & 255}` });
    v.flush();
    await tick();
    assert.equal(lines.filter((l) => l.event === 'violation').length, 11, '10 keys + the shared one');
    const star = lines.find((l) => l.event === 'violation-suppressed');
    assert.deepEqual([star?.ip, star?.suppressed], ['*', 989]);
  });
});
