import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer } from '../support/server.ts';

describe('the page (static files)', () => {
  let s: RunningServer;
  let dir: string;
  const index = '<!doctype html><title>pushrace</title>';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pushrace-page-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), index);
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'app.js.map'), '{"sources":["../../server/secret.ts"]}');
    s = await startTestServer({ pageDir: dir });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers HEAD / as GET would, with type and length and no body', async () => {
    const head = await fetch(`${s.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(index)));
    assert.equal(await head.text(), '');
    const get = await fetch(`${s.url}/`);
    assert.equal(await get.text(), index);
    assert.equal(get.headers.get('x-content-type-options'), 'nosniff');
  });

  it('serves the bundle but never a source map', async () => {
    assert.equal((await fetch(`${s.url}/assets/app.js`)).status, 200);
    const map = await fetch(`${s.url}/assets/app.js.map`);
    assert.equal(map.status, 404);
    assert.equal(((await map.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  it('says in JSON that the page is not built, when it is not', async () => {
    const bare = await startTestServer({ pageDir: join(dir, 'nothing-here') });
    try {
      const res = await fetch(`${bare.url}/`);
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'PAGE_NOT_BUILT');
    } finally {
      await bare.close();
    }
  });
});
