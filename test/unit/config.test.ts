import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, loadConfig } from '../../server/config.ts';

describe('loadConfig', () => {
  it('gives the defaults with no environment and no flags', () => {
    const c = loadConfig({}, []);
    assert.equal(c.port, DEFAULTS.port);
    assert.equal(c.host, '127.0.0.1');
    assert.deepEqual(c.sources, ['ticker']);
    assert.equal(c.historySize, 10_000);
    assert.equal(c.publishRate, 100);
  });

  it('reads the environment variables of the contract', () => {
    const c = loadConfig(
      {
        PORT: '8080',
        HOST: '::1',
        SOURCES: 'ticker, log',
        HISTORY_SIZE: '50',
        ALLOWED_ORIGINS: 'https://a.example,http://b.example:8080',
        LOG_RATE: '5',
        PUBLISH_RATE: '0',
      },
      [],
    );
    assert.equal(c.port, 8080);
    assert.equal(c.host, '::1');
    assert.deepEqual(c.sources, ['ticker', 'log']);
    assert.equal(c.historySize, 50);
    assert.deepEqual(c.allowedOrigins, ['https://a.example', 'http://b.example:8080']);
    assert.equal(c.logRate, 5);
    assert.equal(c.publishRate, 0);
  });

  it('SOURCES=none is a quiet feed', () => {
    assert.deepEqual(loadConfig({ SOURCES: 'none' }, []).sources, []);
  });

  it('flags win over the environment', () => {
    assert.equal(loadConfig({ PORT: '8080' }, ['--port', '9090']).port, 9090);
    assert.equal(loadConfig({}, ['--history-size=7']).historySize, 7);
  });

  for (const [env, pattern] of [
    [{ PORT: 'eighty' }, /PORT="eighty"/],
    [{ PORT: '70000' }, /PORT/],
    [{ HISTORY_SIZE: '0' }, /HISTORY_SIZE/],
    [{ SOURCES: 'ticker,weather' }, /SOURCES/],
    [{ ALLOWED_ORIGINS: 'example.com' }, /ALLOWED_ORIGINS.*scheme/],
    [{ LOG_RATE: '-1' }, /LOG_RATE/],
    [{ PUBLISH_RATE: 'fast' }, /PUBLISH_RATE/],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} with a message naming it`, () => {
      assert.throws(
        () => loadConfig(env, []),
        (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
      );
    });
  }

  it('keeps the feed in memory unless a Redis URL is given, by variable or flag', () => {
    const memory = loadConfig({}, []);
    assert.deepEqual([memory.redisUrl, memory.redisPrefix, memory.redisTimeoutMs], ['', 'pushrace', 2000]);
    const env = loadConfig({ REDIS_URL: 'redis://cache:6380/2', REDIS_PREFIX: 'demo-1', REDIS_TIMEOUT_MS: '500' }, []);
    assert.deepEqual([env.redisUrl, env.redisPrefix, env.redisTimeoutMs], ['redis://cache:6380/2', 'demo-1', 500]);
    assert.equal(loadConfig({ REDIS_URL: 'redis://a' }, ['--redis-url', 'rediss://b:1']).redisUrl, 'rediss://b:1');
  });

  for (const [env, pattern] of [
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL="localhost:6379".*redis:\/\//],
    [{ REDIS_URL: 'http://localhost:6379' }, /REDIS_URL/],
    [{ REDIS_URL: 'redis://' }, /REDIS_URL/],
    [{ REDIS_PREFIX: '{tag}' }, /REDIS_PREFIX/],
    [{ REDIS_TIMEOUT_MS: '10' }, /REDIS_TIMEOUT_MS/],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} at start-up, naming it`, () => {
      assert.throws(
        () => loadConfig(env, []),
        (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
      );
    });
  }

  it('refuses an unknown flag', () => {
    assert.throws(() => loadConfig({}, ['--prot', '1']), ConfigError);
  });
});
