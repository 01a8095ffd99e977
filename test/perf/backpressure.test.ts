import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer } from '../support/server.ts';
import { stuckReaders } from '../support/stuck-readers.ts';

const BODY = 'x'.repeat(2000);
const MESSAGES = 10_000;

describe('backpressure, measured', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({
      historySize: 1000,
      sendBufferBytes: 256 * 1024,
      slowConsumerMs: 500,
      publishRate: 0,
    });
  });
  after(() => s.close());

  it('stuck readers cost the server no more memory than the bound; a fast reader keeps its latency', async () => {
    const run = await stuckReaders(s, MESSAGES, BODY);
    console.log(
      `# ${MESSAGES} × ${BODY.length} B with a stuck ws and sse reader: heap +${run.heapGrewMiB.toFixed(1)} MiB ` +
        `(history alone ≈ ${((1000 * BODY.length * 3) / 2 ** 20).toFixed(1)} MiB); fast client p99 ${run.p99Ms.toFixed(2)} ms`,
    );
    assert.equal(run.received, MESSAGES);
    // Without the bound the stuck readers would pin all 10 000 messages (≈ 40 MiB of frames).
    assert.ok(run.heapGrewMiB < 20, `heap grew ${run.heapGrewMiB} MiB`);
    assert.ok(run.p99Ms < 250, `fast client p99 ${run.p99Ms} ms`);
  });
});
