/**
 * The "send binary" control: publishes a binary message (a small generated PNG, or random
 * bytes of a chosen size) over HTTP, or over the WebSocket lane's socket as a binary frame. Every
 * lane then shows its size and CRC-32 (message-row.ts), so identical delivery is visible: raw in
 * the WebSocket frame, base64 in the JSON of the others (and of socket.io). Several at once over
 * the WebSocket lane show its `bufferedAmount` while they drain (the backpressure a sender sees).
 */
import { newMessageId } from '../lib/id.ts';
import { publishHttp } from '../lib/publish.ts';
import type { PublishAck, PublishingTransport } from '../lib/types.ts';
import { currentToken } from './auth.ts';
import type { ChatDeps } from './chat.ts';
import { crc32 } from './checksum.ts';
import { byId } from './dom.ts';
import { errorText } from './error-text.ts';
import { t } from './i18n.ts';

/** The server's limit on a binary message (docs/protocol.md, "Binary messages"). */
const MAX_BYTES = 8192;
/** At most this many at once: under the server's publish rate limit (100 a second). */
const MAX_COUNT = 50;

/** A small PNG drawn on a canvas: a gradient in random colours, so each one differs. */
async function generatedImage(): Promise<Uint8Array<ArrayBuffer>> {
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 32;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas');
  const hue = Math.floor(Math.random() * 360);
  const grad = g.createLinearGradient(0, 0, 32, 32);
  grad.addColorStop(0, `hsl(${hue} 80% 55%)`);
  grad.addColorStop(1, `hsl(${(hue + 120) % 360} 80% 45%)`);
  g.fillStyle = grad;
  g.fillRect(0, 0, 32, 32);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the canvas made no PNG');
  return new Uint8Array(await blob.arrayBuffer());
}

/** `n` random bytes (at most the server's limit). */
function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(Math.max(1, Math.min(MAX_BYTES, n)));
  crypto.getRandomValues(bytes);
  return bytes;
}

/** What the control needs besides the chat's: where to show the WebSocket's bufferedAmount. */
export interface BinaryDeps extends ChatDeps {
  buffered(text: string): void;
}

/**
 * Sends `count` binary frames back to back over the WebSocket lane's socket and shows its
 * `bufferedAmount`: right after the sends (all of them queued), then once a frame until every
 * ack is in. Resolves with the last ack.
 */
async function burstOverSocket(
  socket: PublishingTransport,
  make: () => Promise<Uint8Array<ArrayBuffer>>,
  count: number,
  buffered: (text: string) => void,
): Promise<{ ack: PublishAck; bytes: Uint8Array }> {
  const frames = await Promise.all(Array.from({ length: count }, make));
  const acks = frames.map((bytes) => socket.publishBinary(bytes));
  let peak = socket.bufferedAmount;
  let done = false;
  const show = () => {
    const now = socket.bufferedAmount;
    peak = Math.max(peak, now);
    buffered(t('binary.buffered', { now, peak }));
    if (!done) requestAnimationFrame(show);
  };
  show();
  try {
    const all = await Promise.all(acks);
    const ack = all[all.length - 1];
    const bytes = frames[frames.length - 1];
    if (!ack || !bytes) throw new Error('nothing sent');
    return { ack, bytes };
  } finally {
    done = true;
    show();
  }
}

export function setupBinary(deps: BinaryDeps): void {
  const form = byId('binary-form', HTMLFormElement);
  const kind = byId('binary-kind', HTMLSelectElement);
  const size = byId('binary-size', HTMLInputElement);
  const countIn = byId('binary-count', HTMLInputElement);
  const via = byId('publish-via', HTMLSelectElement);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const make = async () => (kind.value === 'random' ? randomBytes(Number(size.value)) : await generatedImage());
      const count = Math.max(1, Math.min(MAX_COUNT, Number(countIn.value) || 1));
      deps.say(t('status.sending'));
      let sent: { ack: PublishAck; bytes: Uint8Array };
      if (via.value === 'ws') {
        const socket = deps.socket();
        if (!socket) throw new Error(t('status.wsNotOpen'));
        sent = await burstOverSocket(socket, make, count, deps.buffered);
      } else {
        let last: { ack: PublishAck; bytes: Uint8Array } | undefined;
        for (let i = 0; i < count; i++) {
          const bytes = await make();
          const ack = await publishHttp(
            window.location.origin,
            { body: bytes, id: newMessageId() },
            undefined,
            currentToken(),
          );
          last = { ack, bytes };
        }
        if (!last) throw new Error('nothing sent');
        sent = last;
      }
      const { ack, bytes } = sent;
      deps.say(t('binary.sent', { seq: ack.seq, n: bytes.length, crc: crc32(bytes) }));
    } catch (err) {
      deps.say(errorText(err), true);
    }
  });
}
