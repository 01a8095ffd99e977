import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveAccept, headerValue } from '../../client/dashboard/accept.ts';

describe('accept', () => {
  it('derives the RFC 6455 example accept value step by step', async () => {
    const steps = await deriveAccept('dGhlIHNhbXBsZSBub25jZQ==');
    assert.equal(steps.concatenated, 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    assert.equal(steps.sha1Hex, 'b37a4f2cc0624f1690f64606cf385945b2bec4ea');
    assert.equal(steps.accept, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('reads a header case-insensitively from a raw head', () => {
    const head = 'GET /ws HTTP/1.1\r\nsec-websocket-key: abc==\r\nHost: x\r\n\r\n';
    assert.equal(headerValue(head, 'Sec-WebSocket-Key'), 'abc==');
    assert.equal(headerValue(head, 'Upgrade'), undefined);
  });

  it('refuses without crypto.subtle', async () => {
    await assert.rejects(deriveAccept('x', null), /crypto.subtle unavailable/);
  });
});
