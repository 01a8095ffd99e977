import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { connectionCap, FD_RESERVE, openFileLimit } from '../../server/http/limits.ts';

describe('limits', () => {
  describe('#connectionCap', () => {
    it('keeps the cap below the open-file limit, so accept() never fails silently first', () => {
      assert.equal(connectionCap(20_000, 20_000), 20_000 - FD_RESERVE);
      assert.equal(connectionCap(1500, 20_000), 1500);
      assert.equal(connectionCap(0, 4096), 4096 - FD_RESERVE, '0 (no cap) is still bounded by the files');
      assert.equal(connectionCap(1500, undefined), 1500);
    });
  });

  describe('#openFileLimit', () => {
    it('reads this process’s soft limit, as the shell reports it', { skip: process.platform !== 'linux' }, () => {
      const shell = spawnSync('sh', ['-c', 'ulimit -Sn'], { encoding: 'utf8' }).stdout.trim();
      assert.equal(openFileLimit(), shell === 'unlimited' ? undefined : Number(shell));
    });
  });
});
