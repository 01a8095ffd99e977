import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phaseLocked } from '../../client/dashboard/phase.ts';
import { isLoopbackHost, laneOrigin, newTabLabel } from '../../client/dashboard/shard.ts';
import { ownAliasOrigin } from '../../server/http/cors.ts';

const page = (origin: string) => {
  const u = new URL(origin);
  return { protocol: u.protocol, hostname: u.hostname, port: u.port, origin: u.origin };
};

describe('lane hosts (shard.ts)', () => {
  it('gives a tab on a loopback http page a host name of its own on the same port', () => {
    assert.equal(laneOrigin(page('http://127.0.0.1:3000'), 'tab-ab12cd', false), 'http://tab-ab12cd.localhost:3000');
    assert.equal(laneOrigin(page('http://localhost:3000'), 'tab-x', false), 'http://tab-x.localhost:3000');
    assert.equal(laneOrigin(page('http://[::1]:8080'), 'tab-x', false), 'http://tab-x.localhost:8080');
  });

  it('keeps the page origin when asked to, over https, or on a name that is not this machine', () => {
    assert.equal(laneOrigin(page('http://127.0.0.1:3000'), 'tab-x', true), 'http://127.0.0.1:3000');
    assert.equal(laneOrigin(page('https://localhost:3000'), 'tab-x', false), 'https://localhost:3000');
    assert.equal(laneOrigin(page('http://192.168.1.5:3000'), 'tab-x', false), 'http://192.168.1.5:3000');
    assert.equal(isLoopbackHost('demo.example'), false);
  });

  it('makes DNS labels: lower case letters and digits', () => {
    assert.match(newTabLabel(), /^tab-[a-z0-9]{6}$/);
  });
});

describe('ownAliasOrigin (server/http/cors.ts)', () => {
  it('allows this server under another loopback name, on the same port only', () => {
    assert.equal(ownAliasOrigin('http://127.0.0.1:3000', 'tab-ab12cd.localhost:3000'), true);
    assert.equal(ownAliasOrigin('http://localhost:3000', '127.0.0.1:3000'), true);
    assert.equal(ownAliasOrigin('http://[::1]:3000', 'tab-x.localhost:3000'), true);
    assert.equal(ownAliasOrigin('http://127.0.0.1:4000', 'tab-x.localhost:3000'), false);
    assert.equal(ownAliasOrigin('http://evil.example:3000', 'tab-x.localhost:3000'), false);
    assert.equal(ownAliasOrigin('http://127.0.0.1:3000', 'lan-name:3000'), false);
    assert.equal(ownAliasOrigin('null', '127.0.0.1:3000'), false);
    assert.equal(ownAliasOrigin(undefined, '127.0.0.1:3000'), false);
  });
});

describe('phaseLocked', () => {
  const feed = { sources: ['ticker' as const], tickerIntervalMs: 1000, logRate: 2, timing: 'fixed' as const };
  it('holds for a metronome and a poll period that is a multiple of it, or the reverse', () => {
    assert.equal(phaseLocked(feed, 1000), true);
    assert.equal(phaseLocked(feed, 2000), true);
    assert.equal(phaseLocked(feed, 500), true);
    assert.equal(phaseLocked(feed, 700), false);
  });
  it('never holds for random timing, without the ticker, or before the settings are known', () => {
    assert.equal(phaseLocked({ ...feed, timing: 'random' }, 1000), false);
    assert.equal(phaseLocked({ ...feed, sources: [] }, 1000), false);
    assert.equal(phaseLocked(undefined, 1000), false);
  });
});
