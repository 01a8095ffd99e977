import { connect, type Socket } from 'node:net';

/** A raw TCP client: writes `data`, collects everything until the server closes (bounded). */
export function rawExchange(port: number, data: string | Buffer, ms = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${ms} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.write(data);
  });
}

/** The head of a WebSocket upgrade request for `path`, with extra header lines. */
export function upgradeHead(path: string, extra: string[] = []): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** A masked client frame (FIN set), with the given first-byte flags and opcode. */
export function clientFrame(firstByte: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length]), mask, masked]);
}

/** The close code in the first close frame (opcode 8) of a server's byte stream after its 101 head. */
export function closeCodeOf(bytes: Buffer): number | undefined {
  let i = bytes.indexOf('\r\n\r\n') + 4;
  while (i > 3 && i + 2 <= bytes.length) {
    const opcode = (bytes[i] ?? 0) & 0x0f;
    let len = (bytes[i + 1] ?? 0) & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at);
      at += 2;
    }
    if (opcode === 8) return len >= 2 ? bytes.readUInt16BE(at) : undefined;
    i = at + len;
  }
  return undefined;
}

/** Opens `n` sockets (each sending `data`), resolving once all are connected. */
export async function openSockets(port: number, n: number, data: string): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(data);
            resolve(socket);
          });
          socket.on('error', reject);
        }),
    ),
  );
}
