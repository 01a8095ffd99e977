/**
 * The chat box: publishes one message over HTTP (`POST /api/messages`) or over the WebSocket
 * lane's own socket (a masked client frame, which the wire inspector then shows). Over HTTP, a
 * server that cannot be reached is retried with the same message id, so a message is stored
 * once however many tries it took, and the presenter reads "server unreachable, retrying".
 */
import { newMessageId } from '../lib/id.ts';
import { publishHttp } from '../lib/publish.ts';
import type { PublishAck, PublishingTransport } from '../lib/types.ts';
import { askForToken, currentToken } from './auth.ts';
import { byId } from './dom.ts';
import { errorText, isUnauthorized, isUnreachable } from './error-text.ts';
import { t } from './i18n.ts';

/** How long a publish keeps retrying an unreachable server before it gives up. */
const RETRY_FOR_MS = 60_000;

export interface ChatDeps {
  /** The WebSocket lane's transport while its socket is open, else undefined. */
  socket(): PublishingTransport | undefined;
  /** Shows a status line (an error in red). */
  say(text: string, error?: boolean): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes over HTTP, retrying an unreachable server, asking for the token on 401. */
async function overHttp(body: string, say: ChatDeps['say']): Promise<PublishAck> {
  const id = newMessageId();
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishHttp(window.location.origin, { body, id }, undefined, currentToken());
    } catch (err) {
      if (isUnauthorized(err) && (await askForToken())) continue;
      if (!isUnreachable(err) || Date.now() > deadline) throw err;
      say(t('status.retrying', { n: attempt }), true);
      await sleep(Math.min(2000, 250 * 2 ** attempt));
    }
  }
}

/** Publishes over the WebSocket lane's socket; a 401-like refusal asks for the token. */
async function overSocket(body: string, deps: ChatDeps): Promise<PublishAck> {
  const socket = deps.socket();
  if (!socket) throw new Error(t('status.wsNotOpen'));
  try {
    return await socket.publish(body);
  } catch (err) {
    if (isUnauthorized(err) && (await askForToken())) throw new Error(t('status.wsToken'));
    throw err;
  }
}

/** Publishes `body` the way the chat box's "via" says; shared with the inspector's send button. */
export async function publishChat(body: string, via: 'http' | 'ws', deps: ChatDeps): Promise<void> {
  deps.say(t('status.sending'));
  try {
    const { seq } = via === 'ws' ? await overSocket(body, deps) : await overHttp(body, deps.say);
    deps.say(t(via === 'ws' ? 'status.sentWs' : 'status.sent', { seq }));
  } catch (err) {
    deps.say(errorText(err), true);
    throw err;
  }
}

export function setupChat(deps: ChatDeps): void {
  const form = byId('chat', HTMLFormElement);
  const input = byId('chat-input', HTMLInputElement);
  const via = byId('publish-via', HTMLSelectElement);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = input.value;
    if (!body.trim()) return;
    try {
      await publishChat(body, via.value === 'ws' ? 'ws' : 'http', deps);
      input.value = '';
    } catch {
      // said in the status line
    }
  });
}
