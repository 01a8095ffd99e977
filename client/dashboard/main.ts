/**
 * The first page: pick a transport, watch the live feed, publish chat, read the server's
 * socket counters. Every message is rendered as text (textContent), never as HTML.
 */

import { type FeedMessage, type StatsResponse, TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { createTransport } from '../lib/index.ts';
import { publishHttp } from '../lib/publish.ts';
import type { ClientTransport, ResumePoint } from '../lib/types.ts';
import './style.css';

const MAX_ROWS = 200;
const base = window.location.origin;

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};
const feedList = $<HTMLOListElement>('feed');
const stateOut = $<HTMLOutputElement>('state');
const positionOut = $<HTMLElement>('position');
const chatForm = $<HTMLFormElement>('chat');
const chatInput = $<HTMLInputElement>('chat-input');
const chatResult = $<HTMLOutputElement>('chat-result');
const statsBody = $<HTMLTableElement>('stats').tBodies[0] as HTMLTableSectionElement;

/** A readable one-line body: ticker values as "PUSH 101.2 (+0.3)", strings as they are. */
function describeBody(m: FeedMessage): string {
  const b = m.body;
  if (typeof b === 'string') return b;
  if (m.source === 'ticker' && typeof b === 'object' && b !== null && 'symbol' in b && 'price' in b && 'change' in b) {
    const t = b as { symbol: string; price: number; change: number };
    return `${t.symbol} ${t.price.toFixed(2)} (${t.change >= 0 ? '+' : ''}${t.change.toFixed(2)})`;
  }
  return JSON.stringify(b);
}

function cell(text: string, className: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  return span;
}

function addRow(li: HTMLLIElement) {
  feedList.prepend(li);
  while (feedList.children.length > MAX_ROWS) feedList.lastElementChild?.remove();
}

function showMessages(batch: FeedMessage[], receivedAt: number, via: TransportName) {
  for (const m of batch) {
    const li = document.createElement('li');
    li.dataset.seq = String(m.seq);
    li.dataset.transport = via;
    li.append(
      cell(`#${m.seq}`, 'seq'),
      cell(m.source, 'source'),
      cell(`${(receivedAt - m.ts).toFixed(1)} ms`, 'latency'),
      cell(describeBody(m), 'body'),
    );
    addRow(li);
  }
}

let current: ClientTransport | undefined;
let position: ResumePoint = {};

function use(name: TransportName) {
  if (current) {
    position = current.position;
    current.stop();
  }
  const transport = createTransport(name, { baseUrl: base, pollIntervalMs: 1000 });
  current = transport;
  document.body.dataset.transport = name;
  transport.start(position, {
    messages: (batch, meta) => {
      if (current !== transport) return;
      showMessages(batch, meta.receivedAt, name);
      positionOut.textContent = `cursor ${transport.position.after ?? '–'} · epoch ${transport.position.epoch ?? '–'}`;
    },
    reset: (info) => {
      if (current !== transport) return;
      const li = document.createElement('li');
      li.className = 'reset';
      li.textContent = `reset: the server could not resume from where this page was (epoch ${info.epoch}); continuing from #${info.cursor}`;
      addRow(li);
    },
    state: (s) => {
      if (current === transport) stateOut.textContent = s;
    },
    error: (e) => {
      if (current === transport) stateOut.textContent = `error: ${e.message}`;
    },
  });
  updateStatsHighlight();
}

for (const input of document.querySelectorAll<HTMLInputElement>('input[name=transport]')) {
  input.addEventListener('change', () => {
    if (input.checked) use(input.value as TransportName);
  });
}

chatForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = chatInput.value.trim();
  if (!body) return;
  chatResult.textContent = 'sending…';
  try {
    const { seq } = await publishHttp(base, { body });
    chatResult.textContent = `published as #${seq}`;
    chatInput.value = '';
  } catch (err) {
    chatResult.textContent = err instanceof Error ? err.message : String(err);
  }
});

function updateStatsHighlight() {
  for (const row of statsBody.rows) row.classList.toggle('current', row.dataset.transport === current?.name);
}

function renderStats(stats: StatsResponse) {
  for (const name of TRANSPORT_NAMES) {
    const t = stats.transports[name];
    let row = statsBody.querySelector<HTMLTableRowElement>(`tr[data-transport="${name}"]`);
    if (!row) {
      row = statsBody.insertRow();
      row.dataset.transport = name;
      for (let i = 0; i < 10; i++) row.insertCell();
    }
    const out = t.bytesOut.header + t.bytesOut.payload + t.bytesIn.header + t.bytesIn.payload;
    const values = [
      name,
      t.connections,
      t.held,
      t.requests,
      t.emptyResponses,
      t.timeouts,
      t.delivered,
      t.bytesOut.header,
      t.bytesOut.payload,
      t.delivered > 0 ? (out / t.delivered).toFixed(0) : '–',
    ];
    values.forEach((v, i) => {
      const c = row.cells[i];
      if (c) c.textContent = String(v);
    });
  }
  updateStatsHighlight();
}

async function refreshStats() {
  try {
    const res = await fetch(`${base}/api/stats`, { cache: 'no-store' });
    if (res.ok) renderStats((await res.json()) as StatsResponse);
  } catch {
    // The server may be restarting; the next refresh will tell.
  }
}

const initial = document.querySelector<HTMLInputElement>('input[name=transport]:checked');
use((initial?.value as TransportName | undefined) ?? 'ws');
void refreshStats();
setInterval(refreshStats, 1000);
