/**
 * The "send binary" control: publishes a binary message (a small generated PNG, or random
 * bytes of a chosen size) over HTTP, or over the WebSocket lane's socket as a binary frame. Every
 * lane then shows its size and CRC-32 (message-row.ts), so identical delivery is visible: raw in
 * the WebSocket frame, base64 in the JSON of the others (and of socket.io).
 */
import { newMessageId } from '../lib/id.ts';
import { publishHttp } from '../lib/publish.ts';
import type { PublishAck } from '../lib/types.ts';
import { currentToken } from './auth.ts';
import type { ChatDeps } from './chat.ts';
import { crc32 } from './checksum.ts';
import { byId } from './dom.ts';
import { errorText } from './error-text.ts';
import { t } from './i18n.ts';

/** The server's limit on a binary message (docs/protocol.md, "Binary messages"). */
const MAX_BYTES = 8192;

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

export function setupBinary(deps: ChatDeps): void {
  const form = byId('binary-form', HTMLFormElement);
  const kind = byId('binary-kind', HTMLSelectElement);
  const size = byId('binary-size', HTMLInputElement);
  const via = byId('publish-via', HTMLSelectElement);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const bytes = kind.value === 'random' ? randomBytes(Number(size.value)) : await generatedImage();
      deps.say(t('status.sending'));
      const socket = deps.socket();
      let ack: PublishAck;
      if (via.value === 'ws') {
        if (!socket) throw new Error(t('status.wsNotOpen'));
        ack = await socket.publishBinary(bytes);
      } else {
        ack = await publishHttp(window.location.origin, { body: bytes, id: newMessageId() }, undefined, currentToken());
      }
      deps.say(t('binary.sent', { seq: ack.seq, n: bytes.length, crc: crc32(bytes) }));
    } catch (err) {
      deps.say(errorText(err), true);
    }
  });
}
