/**
 * The race view's lanes: one transport each, all on the same feed at once, through the one
 * client library. A lane shows every message with its seq and latency, its connection state,
 * and can be paused and resumed: resuming starts a new transport at the saved cursor, so it
 * catches up with no gap (a gap or a reset would show as a row of its own).
 */
import type { TransportName } from '../../protocol/wire.ts';
import { createTransport } from '../lib/index.ts';
import type { ClientOptions, ClientTransport, ConnectionState, FeedMessage, ResumePoint } from '../lib/types.ts';
import { el } from './dom.ts';
import { onLangChange, t } from './i18n.ts';
import { messageRow, noticeRow, prependRows } from './message-row.ts';
import { formatMs, mean } from './metrics.ts';
import type { Recorder } from './recorder.ts';

/** Rows kept per lane: enough for a 1000-message burst to be seen whole. */
const MAX_ROWS = 1200;

/** The client options every lane is created with (changed by the controls). */
export type LaneOptions = () => ClientOptions;

export class Lane {
  readonly name: TransportName;
  readonly element: HTMLElement;
  readonly #recorder: Recorder;
  readonly #options: LaneOptions;
  readonly #list: HTMLOListElement;
  readonly #stateOut: HTMLOutputElement;
  readonly #statsOut: HTMLElement;
  readonly #pauseButton: HTMLButtonElement;
  readonly #title: HTMLElement;
  #transport: ClientTransport | undefined;
  #position: ResumePoint = {};
  #state: ConnectionState | 'paused' = 'connecting';
  #received = 0;
  /** Last seq shown in this epoch, to make any gap visible. */
  #lastSeq: number | undefined;
  #epoch: string | undefined;

  constructor(name: TransportName, recorder: Recorder, options: LaneOptions) {
    this.name = name;
    this.#recorder = recorder;
    this.#options = options;
    this.element = el('article', 'lane');
    this.element.dataset.lane = name;
    const head = el('header', 'lane-head');
    this.#title = el('h3');
    this.#stateOut = el('output', 'state');
    this.#stateOut.dataset.testid = `lane-state-${name}`;
    this.#pauseButton = el('button', 'pause');
    this.#pauseButton.type = 'button';
    this.#pauseButton.setAttribute('aria-pressed', 'false');
    this.#pauseButton.addEventListener('click', () => (this.paused ? this.resume() : this.pause()));
    head.append(this.#title, this.#stateOut, this.#pauseButton);
    this.#statsOut = el('p', 'lane-stats');
    this.#list = el('ol', 'msgs');
    this.#list.setAttribute('aria-live', 'off');
    this.element.append(head, this.#statsOut, this.#list);
    onLangChange(() => this.#render());
    this.#render();
  }

  get paused(): boolean {
    return this.#state === 'paused';
  }

  /** The connection state shown (the library's, or `paused`). */
  get state(): ConnectionState | 'paused' {
    return this.#state;
  }

  /** Starts (or restarts, with fresh options) from the saved cursor. */
  start(): void {
    this.#stopTransport();
    const transport = createTransport(this.name, this.#options());
    this.#transport = transport;
    const mine = () => this.#transport === transport;
    transport.start(this.#position, {
      messages: (batch, meta) => {
        if (!mine()) return;
        this.#position = transport.position;
        this.#recorder.addMessages(this.name, batch, meta.receivedAt);
        this.#show(batch, meta.receivedAt);
      },
      reset: (info) => {
        if (!mine()) return;
        const from = this.#lastSeq ?? info.previousCursor ?? 0;
        prependRows(
          this.#list,
          [noticeRow('reset', t('lane.reset', { from, epoch: info.epoch, cursor: info.cursor }))],
          MAX_ROWS,
        );
        this.#lastSeq = info.cursor;
        this.#epoch = info.epoch;
      },
      error: () => {},
      state: (s) => {
        if (!mine() || s === 'closed') return;
        this.#state = s;
        this.#render();
      },
      request: (r) => {
        if (mine()) this.#recorder.addRecord(this.name, r);
      },
    });
  }

  pause(): void {
    if (this.paused) return;
    this.#stopTransport();
    this.#state = 'paused';
    this.#render();
  }

  resume(): void {
    if (!this.paused) return;
    const after = this.#position.after;
    if (after !== undefined) prependRows(this.#list, [noticeRow('resume', `▶ #${after}`)], MAX_ROWS);
    this.#state = 'connecting';
    this.start();
  }

  /** Applies new client options (poll interval, long-poll timeout), keeping the cursor. */
  restart(): void {
    if (!this.paused) this.start();
  }

  #stopTransport(): void {
    const old = this.#transport;
    if (!old) return;
    this.#position = old.position;
    this.#transport = undefined;
    old.stop();
  }

  #show(batch: readonly FeedMessage[], receivedAt: number) {
    const rows: HTMLLIElement[] = [];
    const epoch = this.#position.epoch;
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      this.#lastSeq = undefined;
    }
    for (const m of batch) {
      if (this.#lastSeq !== undefined && m.seq !== this.#lastSeq + 1) {
        rows.push(noticeRow('gap', `#${this.#lastSeq} → #${m.seq}`));
      }
      this.#lastSeq = m.seq;
      rows.push(messageRow(m, receivedAt));
    }
    this.#received += batch.length;
    prependRows(this.#list, rows, MAX_ROWS);
    this.#renderStats();
  }

  #renderStats(): void {
    const samples = this.#recorder.samples[this.name];
    const last = samples[samples.length - 1];
    const avg = mean(samples.map((s) => s.latency));
    this.#statsOut.textContent = `${t('lane.received')} ${this.#received} · ${t('lane.last')} ${formatMs(
      last?.latency ?? Number.NaN,
    )} ms · ${t('lane.mean')} ${formatMs(avg)} ms`;
  }

  #render(): void {
    this.#title.textContent = t(`transport.${this.name}` as const);
    this.#stateOut.textContent = t(`state.${this.#state}` as const);
    this.element.dataset.state = this.#state;
    this.#pauseButton.textContent = this.paused ? t('resume') : t('pause');
    this.#pauseButton.setAttribute('aria-pressed', String(this.paused));
    this.#pauseButton.setAttribute(
      'aria-label',
      `${this.paused ? t('resume') : t('pause')}: ${this.#title.textContent}`,
    );
    this.#renderStats();
  }
}
