/**
 * A sequence-diagram strip per transport over the last seconds, drawn from the client
 * library's request records: polling's fixed beats of short requests, long-poll's held
 * requests (a bar until the answer), SSE's and WebSocket's one long connection, and a dot
 * for every message delivered.
 */
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { COLORS } from './charts/setup.ts';
import type { Recorder } from './recorder.ts';

/** Seconds shown. */
export const SPAN_MS = 10_000;
const LABEL_W = 90;
const ROW_H = 34;

const OUTCOME_COLORS: Readonly<Record<string, string>> = {
  empty: '#9ca3af',
  timeout: '#f97316',
  error: '#dc2626',
  aborted: '#d1d5db',
};

export class Timeline {
  readonly #canvas: HTMLCanvasElement;
  readonly #recorder: Recorder;
  readonly #stateOf: (name: TransportName) => string;

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
      ctx.fillText(name, 4, mid + 4);
      const records = this.#recorder.records[name].filter((r) => r.doneAt >= now - SPAN_MS);
      let lastOpen: number | undefined;
      let lastDone: number | undefined;
      for (const r of this.#recorder.records[name]) {
        if (r.kind === 'open' && r.outcome === 'ok') lastOpen = r.doneAt;
        if (r.kind === 'http') lastDone = r.doneAt;
      }
      // an open stream or socket: one line from when it opened
      if ((name === 'sse' || name === 'ws') && lastOpen !== undefined && this.#stateOf(name) === 'open') {
        ctx.strokeStyle = color;
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.moveTo(Math.max(LABEL_W, x(lastOpen)), mid);
        ctx.lineTo(x(now), mid);
        ctx.stroke();
        ctx.lineWidth = 1;
      }
      // a request held right now (long-poll waiting, poll in flight)
      if (name === 'long-poll' && this.#stateOf(name) === 'waiting' && lastDone !== undefined) {
        ctx.fillStyle = `${color}55`;
        ctx.fillRect(Math.max(LABEL_W, x(lastDone)), top + 6, x(now) - Math.max(LABEL_W, x(lastDone)), ROW_H - 16);
      }
      for (const r of records) {
        if (r.kind === 'http') {
          const x0 = Math.max(LABEL_W, x(r.sentAt));
          const w = Math.max(2, x(r.doneAt) - x0);
          ctx.fillStyle = OUTCOME_COLORS[r.outcome] ?? color;
          ctx.fillRect(x0, top + 6, w, ROW_H - 16);
        } else if (r.kind === 'open') {
          ctx.fillStyle = r.outcome === 'ok' ? color : '#dc2626';
          ctx.fillRect(Math.max(LABEL_W, x(r.doneAt)) - 2, top + 2, 4, ROW_H - 8);
        }
      }
      ctx.fillStyle = ink;
      for (const s of this.#recorder.samples[name]) {
        if (s.at < now - SPAN_MS) continue;
        ctx.beginPath();
        ctx.arc(x(s.at), mid, 3, 0, Math.PI * 2);
        ctx.fill();
      }
    });
  }
}
