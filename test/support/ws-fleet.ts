/**
 * Many WebSocket readers in a process of their own, so they can be killed all at once (SIGKILL:
 * every socket dies without a close frame, as when a load generator crashes):
 * `node --import tsx ws-fleet.ts <ws-url> <n>` opens `n` connections, sends 'ready' over IPC once
 * all are open, counts message frames, and answers 'count' requests over IPC with the total.
 */
import WebSocket from 'ws';

const [url = '', n = '100'] = process.argv.slice(2);
let received = 0;
const sockets = await Promise.all(
  Array.from(
    { length: Number(n) },
    () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        ws.on('message', () => received++);
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      }),
  ),
);
process.on('message', (m) => {
  if (m === 'count') process.send?.({ received });
  if (m === 'close') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
process.send?.('ready');
