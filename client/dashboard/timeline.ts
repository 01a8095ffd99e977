/**
 * A sequence-diagram strip per transport over the last seconds, drawn from the client
 * library's request records: each HTTP request its own bar from sent to answered, with a gap
 * and a dark edge where the next begins (polling's beats, long-poll's held requests one after
 * another), SSE's and WebSocket's one long connection, and a dot for every message delivered
 * (hollow when it was a catch-up or a burst). The legend is built from the same palette.
 */
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { COLORS } from './charts/setup.ts';
import { el } from './dom.ts';
import { t } from './i18n.ts';
import { LANE_INFO } from './lane-info.ts';
import type { Recorder } from './recorder.ts';
import { OUTCOME_STYLE, requestBars } from './timeline-bars.ts';

/** Seconds shown. */
export const SPAN_MS = 10_000;
const LABEL_W = 90;
const ROW_H = 34;

/** A diagonal-stripe fill, for timeouts. */
function hatch(ctx: CanvasRenderingContext2D, fill: string, stripe: string): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = 6;
  tile.height = 6;
  const c = tile.getContext('2d');
  if (!c) return fill;
  c.fillStyle = fill;
  c.fillRect(0, 0, 6, 6);
  c.strokeStyle = stripe;
  c.lineWidth = 1.5;
  c.beginPath();
  c.moveTo(0, 6);
  c.lineTo(6, 0);
  c.stroke();
  return ctx.createPattern(tile, 'repeat') ?? fill;
}

/** The legend under the timeline: one swatch per thing drawn, in the colours drawn. */
export function renderLegend(list: HTMLElement): void {
  const item = (cls: string, key: Parameters<typeof t>[0], style?: Partial<CSSStyleDeclaration>) => {
    const li = el('li');
    const swatch = el('span', `swatch ${cls}`);
    if (style) Object.assign(swatch.style, style);
    li.append(swatch, el('span', '', t(key)));
    return li;
  };
  list.replaceChildren(
    item('bar', 'legend.ok', { background: `linear-gradient(90deg, ${Object.values(COLORS).join(', ')})` }),
    item('bar', 'legend.empty', { background: OUTCOME_STYLE.empty.fill }),
    item('bar hatched', 'legend.timeout'),
    item('bar', 'legend.error', { background: OUTCOME_STYLE.error.fill }),
    item('edge', 'legend.edge'),
    item('dot', 'legend.message'),
    item('dot hollow', 'legend.setApart'),
    item('line', 'legend.open'),
  );
}

export class Timeline {
  readonly #canvas: HTMLCanvasElement;
  readonly #recorder: Recorder;
  readonly #stateOf: (name: TransportName) => string;
  #hatch: CanvasPattern | string | undefined;

  constructor(canvas: HTMLCanvasElement, recorder: Recorder, stateOf: (name: TransportName) => string) {
    this.#canvas = canvas;
    this.#recorder = recorder;
    this.#stateOf = stateOf;
  }

  draw(): void {
    const c = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = c.clientWidth;
    const height = ROW_H * TRANSPORT_NAMES.length + 18;
    if (width === 0) return;
    if (c.width !== Math.round(width * ratio) || c.height !== Math.round(height * ratio)) {
      c.width = Math.round(width * ratio);
      c.height = Math.round(height * ratio);
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const now = performance.timeOrigin + performance.now();
    const plotW = width - LABEL_W - 8;
    const x = (at: number) => LABEL_W + ((at - (now - SPAN_MS)) / SPAN_MS) * plotW;
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const ink = dark ? '#e5e7eb' : '#111827';
    this.#hatch ??= hatch(ctx, OUTCOME_STYLE.timeout.fill, OUTCOME_STYLE.timeout.hatch ?? ink);
    const timeoutFill = this.#hatch;
    ctx.font = '13px system-ui, sans-serif';

    // seconds grid
    ctx.strokeStyle = dark ? '#374151' : '#e5e7eb';
    ctx.fillStyle = dark ? '#9ca3af' : '#6b7280';
    for (let s = 0; s <= SPAN_MS / 1000; s++) {
      const gx = LABEL_W + (s / (SPAN_MS / 1000)) * plotW;
      ctx.beginPath();
      ctx.moveTo(gx, 0);
      ctx.lineTo(gx, height - 16);
      ctx.stroke();
      ctx.fillText(`-${SPAN_MS / 1000 - s}s`, gx - 10, height - 3);
    }

    TRANSPORT_NAMES.forEach((name, row) => {
      const top = row * ROW_H + 4;
      const mid = top + ROW_H / 2 - 2;
      const color = COLORS[name];
      ctx.fillStyle = ink;
      ctx.fillText(t(`transport.short.${name}` as const), 4, mid + 4);
      const all = this.#recorder.records[name];
      const records = all.filter((r) => r.doneAt >= now - SPAN_MS);
      let lastOpen: number | undefined;
      let lastDone: number | undefined;
      for (const r of all) {
        if (r.kind === 'open' && r.outcome === 'ok') lastOpen = r.doneAt;
        if (r.kind === 'http') lastDone = r.doneAt;
      }
      // an open stream or socket: one line from when it opened
      if (!LANE_INFO[name].requests && lastOpen !== undefined && this.#stateOf(name) === 'open') {
        ctx.strokeStyle = color;
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.moveTo(Math.max(LABEL_W, x(lastOpen)), mid);
        ctx.lineTo(x(now), mid);
        ctx.stroke();
        ctx.lineWidth = 1;
      }
      // a request held right now (long-poll waiting): translucent until it is answered
      const pending: { kind: string; sentAt: number; doneAt: number; outcome: 'ok' }[] =
        LANE_INFO[name].holdsHttpConnection &&
        LANE_INFO[name].requests &&
        this.#stateOf(name) === 'waiting' &&
        lastDone !== undefined
          ? [{ kind: 'http', sentAt: lastDone, doneAt: now, outcome: 'ok' }]
          : [];
      for (const bar of requestBars(pending, x, LABEL_W)) {
        ctx.fillStyle = `${color}55`;
        ctx.fillRect(bar.x, top + 6, bar.width, ROW_H - 16);
      }
      for (const bar of requestBars(records, x, LABEL_W)) {
        ctx.fillStyle =
          bar.outcome === 'ok' ? color : bar.outcome === 'timeout' ? timeoutFill : OUTCOME_STYLE[bar.outcome].fill;
        ctx.fillRect(bar.x, top + 6, bar.width, ROW_H - 16);
        // the request's first edge, taller than the bar: where each request begins
        ctx.fillStyle = ink;
        ctx.fillRect(bar.x, top + 3, 1.5, ROW_H - 10);
      }
      for (const r of records) {
        if (r.kind !== 'open') continue;
        ctx.fillStyle = r.outcome === 'ok' ? color : OUTCOME_STYLE.error.fill;
        ctx.fillRect(Math.max(LABEL_W, x(r.doneAt)) - 2, top + 2, 4, ROW_H - 8);
      }
      ctx.fillStyle = ink;
      ctx.strokeStyle = ink;
      for (const s of this.#recorder.samples[name]) {
        if (s.at < now - SPAN_MS) continue;
        ctx.beginPath();
        ctx.arc(x(s.at), mid, 3, 0, Math.PI * 2);
        if (s.kind === 'live') ctx.fill();
        else ctx.stroke();
      }
    });
  }
}
