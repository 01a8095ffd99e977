import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer, waitFor } from '../support/server.ts';

describe('tls', () => {
  let dir: string;
  let ca: Buffer;
  let s: RunningServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pushrace-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore', timeout: 20_000 },
    );
    ca = readFileSync(join(dir, 'cert.pem'));
    s = await startTestServer({ tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https on the same routes, metered from the plaintext sockets', async () => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      request(`${s.url}/api/poll?after=0`, { ca }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(JSON.parse(body).epoch, s.feed.epoch);
    const poll = s.stats.counts().transports.poll;
    assert.equal(poll.requests, 1, 'the meter parsed the decrypted request');
    assert.ok(poll.bytesOut.payload === Buffer.byteLength(body), 'payload counted in plaintext bytes');
  });

  it('counts a TCP connection against the caps before its TLS handshake', async () => {
    const capped = await startTestServer({
      tlsCert: join(dir, 'cert.pem'),
      tlsKey: join(dir, 'key.pem'),
      maxConnections: 2,
    });
    const port = Number(new URL(capped.url).port);
    const silent: Socket[] = [];
    try {
      // Two clients that connect and never start a handshake hold both places.
      for (let i = 0; i < 2; i++) silent.push(connect(port, '127.0.0.1'));
      await waitFor(() => capped.connections.open === 2, 20_000, 'half-open TLS connections counted');
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        request(`${capped.url}/healthz`, { ca }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        })
          .on('error', reject)
          .end();
      });
      assert.equal(answer.status, 503);
      assert.equal(JSON.parse(answer.body).error.code, 'TOO_MANY_CONNECTIONS');
      for (const socket of silent) socket.destroy();
      await waitFor(() => capped.connections.open === 0, 20_000, 'released');
    } finally {
      for (const socket of silent) socket.destroy();
      await capped.close();
    }
  });

  it('serves wss', async () => {
    const ws = new WebSocket(`${s.url.replace('https', 'wss')}/ws`, { ca, perMessageDeflate: false });
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    assert.equal(JSON.parse(hello).type, 'hello');
    assert.equal(s.stats.transports.ws.connections, 1);
    ws.close();
    await waitFor(() => s.stats.transports.ws.connections === 0, 20_000, 'closed');
  });
});
