import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ENV_NAMES } from '../../server/config.ts';
import { ERRORS } from '../../server/errors.ts';

/** docs/protocol.md is the source of truth for the wire contract: these keep it true to the code. */
const protocol = readFileSync('docs/protocol.md', 'utf8');
const section = (title: string) => {
  const start = protocol.indexOf(`\n## ${title}\n`);
  assert.ok(start !== -1, `section ${title}`);
  const end = protocol.indexOf('\n## ', start + 1);
  return protocol.slice(start, end === -1 ? undefined : end);
};

describe('docs/protocol.md', () => {
  it('lists every error code of server/errors.ts, with its status, and no other', () => {
    const rows = [...section('Errors').matchAll(/^\| `([A-Z_]+)` \| (\d{3}|—) \|/gm)];
    const documented = new Map(rows.map((m) => [m[1] ?? '', m[2] ?? '']));
    assert.deepEqual([...documented.keys()].sort(), Object.keys(ERRORS).sort());
    for (const [code, { status }] of Object.entries(ERRORS)) {
      const shown = documented.get(code);
      // WebSocket-only codes travel in error frames: the table shows no HTTP status for them.
      if (shown !== '—') assert.equal(shown, String(status), code);
    }
  });

  it('documents every environment variable the server reads', () => {
    const config = section('Configuration');
    for (const name of ENV_NAMES) assert.ok(config.includes(`\`${name}\``), `${name} in "Configuration"`);
  });
});
