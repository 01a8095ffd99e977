/** One feed message as a list row, shared by the lanes and the single view. Text only. */
import type { TransportName } from '../../protocol/wire.ts';
import { base64ToBytes } from '../lib/base64.ts';
import type { FeedMessage } from '../lib/types.ts';
import { crc32 } from './checksum.ts';
import type { SampleKind } from './classify.ts';
import { el } from './dom.ts';
import { t } from './i18n.ts';
import { formatMs } from './metrics.ts';

/**
 * A readable one-line body: ticker values as "PUSH 101.20 (+0.30)", strings as they are, a
 * binary message as its size and checksum.
 */
export function describeBody(m: FeedMessage): string {
  const b = m.body;
  if (m.encoding === 'base64' && typeof b === 'string') {
    // A binary message: its size and CRC-32, the same in every lane that got the same bytes.
    const bytes = base64ToBytes(b);
    return t('binary.row', { n: bytes.length, crc: crc32(bytes) });
  }
  if (typeof b === 'string') return b;
  if (typeof b === 'object' && b !== null && 'symbol' in b && 'price' in b && 'change' in b) {
    const { symbol, price, change } = b;
    if (typeof symbol === 'string' && typeof price === 'number' && typeof change === 'number') {
      return `${symbol} ${price.toFixed(2)} (${change >= 0 ? '+' : ''}${change.toFixed(2)})`;
    }
  }
  return JSON.stringify(b);
}

/** What a row may say besides the message: how it was counted, and which transport brought it. */
export interface RowExtra {
  kind?: SampleKind;
  via?: TransportName;
}

/**
 * `<li data-seq>` with seq, latency and body as text (never HTML: bodies come from anyone);
 * `data-kind` for a catch-up or burst delivery (drawn apart, and left out of the live
 * statistics), and a badge naming the transport that delivered it when `via` is given.
 */
export function messageRow(m: FeedMessage, receivedAt: number, extra: RowExtra = {}): HTMLLIElement {
  const li = el('li', `msg src-${m.source}`);
  li.dataset.seq = String(m.seq);
  if (extra.via) {
    li.dataset.transport = extra.via;
    li.classList.add('with-via');
    li.append(el('span', `via t-${extra.via}`, t(`transport.short.${extra.via}` as const)));
  }
  if (extra.kind && extra.kind !== 'live') {
    li.dataset.kind = extra.kind;
    li.title = t(`kind.${extra.kind}` as const);
  }
  li.append(
    el('span', 'seq', `#${m.seq}`),
    el('span', 'latency', `${formatMs(receivedAt - m.ts)} ms`),
    el('span', 'body', describeBody(m)),
  );
  return li;
}

/** A notice row (reset, gap, resume, switch) in a message list. */
export function noticeRow(className: string, text: string): HTMLLIElement {
  return el('li', `notice ${className}`, text);
}

/** Prepends `rows` (newest first on top) and keeps at most `max` rows. */
export function prependRows(list: HTMLOListElement, rows: readonly HTMLLIElement[], max: number): void {
  list.prepend(...[...rows].reverse());
  while (list.children.length > max) list.lastElementChild?.remove();
}
