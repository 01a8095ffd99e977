/**
 * The wire inspector: for each transport, the last request and response heads with their
 * exact byte counts (captured server-side from the socket meter's parse, `GET /api/inspect`);
 * for WebSocket also the Sec-WebSocket-Accept derivation recomputed here and the decoded
 * headers of the last frames each way; for SSE the raw bytes of the stream. The handshake's
 * key and accept lines are marked in the heads, which are shown whole (never in a scroll box),
 * and a button sends a frame over this page's WebSocket, so a masked client frame is there to
 * point at even when the chat goes over HTTP.
 */
import type { CapturedFrame, CapturedHead, InspectResponse } from '../../protocol/control.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { OPCODE_NAMES } from '../../protocol/ws-frame.ts';
import { deriveAccept, headerValue } from './accept.ts';
import { api } from './api.ts';
import { byId, el } from './dom.ts';
import { type Key, t } from './i18n.ts';

/**
 * The path a captured request went to (no query: it may hold a token), for the WebSocket and
 * socket.io cards: which endpoint the connection upgraded on (`/ws`, `/ws/chat`, `/socket.io/`).
 */
function upgradedOn(head: string | undefined): string | undefined {
  const target = /^[A-Z]+ (\S+) HTTP\//.exec(head ?? '')?.[1];
  return target?.split('?')[0];
}

/** Header lines marked in a head: the WebSocket handshake's key and its proof. */
const MARKED = /^sec-websocket-(key|accept):/i;

function headBlock(titleKey: Key, head: CapturedHead | undefined, testid: string): HTMLElement {
  const box = el('div', 'head');
  const h = el('h4', '', t(titleKey));
  if (head) h.append(' ', el('small', 'bytes', t('inspector.bytes', { n: head.bytes })));
  const pre = el('pre', 'raw head-text');
  pre.dataset.testid = testid;
  if (!head) pre.textContent = '–';
  const lines = head ? head.text.split('\r\n') : [];
  lines.forEach((line, i) => {
    pre.append(MARKED.test(line) ? el('mark', '', line) : line);
    if (i < lines.length - 1) pre.append('↵\n');
  });
  box.append(h, pre);
  return box;
}

function framesTable(titleKey: Key, frames: readonly CapturedFrame[]): HTMLElement {
  const box = el('div', 'frames');
  box.append(el('h4', '', t(titleKey)));
  const table = el('table', 'frames-table');
  const head = el('tr');
  for (const k of [
    'frame.fin',
    'frame.opcode',
    'frame.mask',
    'frame.len',
    'frame.payload',
    'frame.header',
    'frame.size',
    'frame.preview',
  ] as const)
    head.append(el('th', '', t(k)));
  table.createTHead().append(head);
  const body = table.createTBody();
  for (const f of [...frames].reverse()) {
    const tr = el('tr');
    tr.append(
      el('td', '', f.fin ? '1' : '0'),
      el('td', '', `${f.opcode} ${OPCODE_NAMES[f.opcode] ?? ''}`),
      el('td', '', f.masked ? '1' : '0'),
      el('td', '', `${f.lengthField}-bit`),
      el('td', '', String(f.payloadLength)),
      el('td', 'hex', f.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')),
      el('td', 'size', String(f.size)),
      el('td', 'preview', f.preview),
    );
    body.append(tr);
  }
  box.append(table);
  return box;
}

async function acceptBlock(
  request: CapturedHead | undefined,
  response: CapturedHead | undefined,
): Promise<HTMLElement> {
  const box = el('div', 'accept');
  box.append(el('h4', '', t('inspector.accept')));
  const key = request ? headerValue(request.text, 'Sec-WebSocket-Key') : undefined;
  const sent = response ? headerValue(response.text, 'Sec-WebSocket-Accept') : undefined;
  if (!key || !sent) {
    box.append(el('p', '', t('inspector.scope.none')));
    return box;
  }
  const dl = el('dl', 'steps');
  const step = (label: Key, value: string, testid: string) => {
    const dd = el('dd', 'mono', value);
    dd.dataset.testid = testid;
    dl.append(el('dt', '', t(label)), dd);
  };
  try {
    const steps = await deriveAccept(key);
    step('accept.key', steps.key, 'accept-key');
    step('accept.concat', steps.concatenated, 'accept-concat');
    step('accept.sha1', steps.sha1Hex, 'accept-sha1');
    step('accept.base64', steps.accept, 'accept-derived');
    step('accept.server', sent, 'accept-server');
    const ok = steps.accept === sent;
    const verdict = el(
      'p',
      ok ? 'verdict ok' : 'verdict bad',
      ok ? `✓ ${t('accept.match')}` : `✗ ${t('accept.mismatch')}`,
    );
    verdict.dataset.testid = 'accept-match';
    verdict.dataset.match = String(ok);
    box.append(dl, verdict);
  } catch {
    step('accept.key', key, 'accept-key');
    step('accept.server', sent, 'accept-server');
    box.append(dl, el('p', 'verdict', t('accept.unavailable')));
  }
  return box;
}

export class Inspector {
  readonly #tag: string;
  readonly #root = byId('inspector-cards', HTMLElement);
  readonly #sendOverWs: () => Promise<void>;
  #last: InspectResponse | undefined;
  #busy = false;

  /** `sendOverWs`: publishes a chat message over this page's WebSocket lane. */
  constructor(tag: string, sendOverWs: () => Promise<void>) {
    this.#tag = tag;
    this.#sendOverWs = sendOverWs;
    byId('inspector-refresh', HTMLButtonElement).addEventListener('click', () => void this.refresh());
  }

  async refresh(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      this.#last = await api.inspect(this.#tag);
      await this.render();
    } catch {
      // the server may be restarting; the next refresh will tell
    } finally {
      this.#busy = false;
    }
  }

  /** Re-renders the last capture (also on a language change). */
  async render(): Promise<void> {
    const data = this.#last;
    if (!data) return;
    const cards = await Promise.all(TRANSPORT_NAMES.map((name) => this.#card(name, data)));
    this.#root.replaceChildren(...cards);
  }

  async #card(name: TransportName, data: InspectResponse): Promise<HTMLElement> {
    const c = data.transports[name];
    const card = el('section', 'card inspect');
    card.dataset.inspect = name;
    card.append(
      el('h3', `tname t-${name}`, t(`transport.${name}` as const)),
      el('p', `scope scope-${c.scope}`, t(`inspector.scope.${c.scope}` as const)),
      headBlock('inspector.request', c.request, `req-${name}`),
      headBlock('inspector.response', c.response, `res-${name}`),
    );
    const endpoint = upgradedOn(c.request?.text);
    if (endpoint !== undefined && (name === 'ws' || name === 'socketio')) {
      const p = el('p', 'endpoint', t('inspector.endpoint', { path: endpoint }));
      p.dataset.testid = `inspect-endpoint-${name}`;
      card.append(p);
    }
    if (name === 'ws') {
      card.classList.add('wide');
      const send = el('button', 'send-ws', t('inspector.sendWs'));
      send.type = 'button';
      send.addEventListener('click', () => {
        this.#sendOverWs().then(
          () => this.refresh(),
          () => {},
        );
      });
      card.append(
        await acceptBlock(c.request, c.response),
        framesTable('inspector.framesOut', c.framesOut),
        framesTable('inspector.framesIn', c.framesIn),
        send,
      );
    }
    if (name === 'socketio') {
      // Its websocket transport's frames: engine.io packets, `42["message",…]` and all.
      card.classList.add('wide');
      card.append(
        el('p', 'why', t('inspector.socketio')),
        framesTable('inspector.framesOut', c.framesOut),
        framesTable('inspector.framesIn', c.framesIn),
      );
    }
    if (name === 'sse') {
      const box = el('div', 'stream');
      box.append(el('h4', '', t('inspector.stream')), el('pre', 'raw', c.stream || '–'));
      card.append(box);
    }
    return card;
  }
}
