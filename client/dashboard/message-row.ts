/** One feed message as a list row, shared by the lanes and the single view. Text only. */
import type { FeedMessage } from '../lib/types.ts';
import { el } from './dom.ts';
import { formatMs } from './metrics.ts';

/** A readable one-line body: ticker values as "PUSH 101.20 (+0.30)", strings as they are. */
export function describeBody(m: FeedMessage): string {
  const b = m.body;
  if (typeof b === 'string') return b;
  if (typeof b === 'object' && b !== null && 'symbol' in b && 'price' in b && 'change' in b) {
    const { symbol, price, change } = b;
    if (typeof symbol === 'string' && typeof price === 'number' && typeof change === 'number') {
      return `${symbol} ${price.toFixed(2)} (${change >= 0 ? '+' : ''}${change.toFixed(2)})`;
    }
  }
  return JSON.stringify(b);
}

/** `<li data-seq>` with seq, latency and body as text (never HTML: bodies come from anyone). */
export function messageRow(m: FeedMessage, receivedAt: number): HTMLLIElement {
  const li = el('li', `msg src-${m.source}`);
  li.dataset.seq = String(m.seq);
  li.append(
    el('span', 'seq', `#${m.seq}`),
    el('span', 'latency', `${formatMs(receivedAt - m.ts)} ms`),
    el('span', 'body', describeBody(m)),
  );
  return li;
}

/** A notice row (reset, gap, resume) in a message list. */
export function noticeRow(className: string, text: string): HTMLLIElement {
  return el('li', `notice ${className}`, text);
}

/** Prepends `rows` (newest first on top) and keeps at most `max` rows. */
export function prependRows(list: HTMLOListElement, rows: readonly HTMLLIElement[], max: number): void {
  for (const row of rows) list.prepend(row);
  while (list.children.length > max) list.lastElementChild?.remove();
}
