/**
 * The race view's lanes: one transport each, all on the same feed at once, through the one
 * client library. A lane shows every message with its seq and latency, its connection state,
 * and can be paused and resumed: resuming starts a new transport at the saved cursor, so it
 * catches up with no gap (a gap or a reset would show as a row of its own), and what it catches
 * up is marked and counted apart from live deliveries. Messages are timestamped when they
 * arrive and drawn once per animation frame (frame-batch.ts).
 */
import type { TransportName } from '../../protocol/wire.ts';
import { createTransport } from '../lib/index.ts';
import type {
  ClientOptions,
  ClientTransport,
  ConnectionState,
  FeedMessage,
  PublishingTransport,
  ResumePoint,
} from '../lib/types.ts';
import type { SampleKind } from './classify.ts';
import { el } from './dom.ts';
import { FrameBatch } from './frame-batch.ts';
import { onLangChange, t } from './i18n.ts';
import { LANE_INFO } from './lane-info.ts';
import { messageRow, noticeRow, prependRows } from './message-row.ts';
import { formatMs, mean } from './metrics.ts';
import type { Recorder } from './recorder.ts';

/** Rows kept per lane: enough for a 1000-message burst to be seen whole. */
const MAX_ROWS = 1200;

/** The client options every lane is created with (changed by the controls). */
export type LaneOptions = () => ClientOptions;

/** The channels a lane can be put on, each with its own WebSocket endpoint (`/ws/<channel>`). */
const CHANNELS = ['chat', 'ticker', 'log'] as const;

/** A row waiting for the next frame: a message with how it counted, or a notice. */
type Pending = { m: FeedMessage; receivedAt: number; kind: SampleKind } | { notice: HTMLLIElement };

function isPublishing(t: ClientTransport): t is PublishingTransport {
  return 'publish' in t && typeof t.publish === 'function';
}

export class Lane {
  readonly name: TransportName;
  readonly element: HTMLElement;
  readonly #recorder: Recorder;
  readonly #options: LaneOptions;
  readonly #list: HTMLOListElement;
  readonly #stateOut: HTMLOutputElement;
  readonly #statsOut: HTMLElement;
  readonly #channelSelect: HTMLSelectElement;
  /** The one channel this lane reads, or undefined for all. */
  #channel: (typeof CHANNELS)[number] | undefined;
  readonly #noteOut: HTMLOutputElement;
  readonly #pauseButton: HTMLButtonElement;
  readonly #reconnectButton: HTMLButtonElement;
  readonly #title: HTMLElement;
  readonly #rows: FrameBatch<Pending>;
  #transport: ClientTransport | undefined;
  #position: ResumePoint = {};
  #state: ConnectionState | 'paused' = 'connecting';
  #received = 0;
  /** Last seq shown in this epoch, to make any gap visible. */
  #lastSeq: number | undefined;
  #epoch: string | undefined;
  /**
   * The server instance that served this lane's latest request or stream (`X-Pushrace-Instance`,
   * the hello's `instance`), and how often it changed: behind a load balancer, polls and
   * long-polls hop between instances with no gap and no duplicate, which the lane makes visible.
   */
  #instance: string | undefined;
  #hops = 0;
  /** Called on every change of state (the tab census counts held connections). */
  onState: () => void = () => {};

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
    this.#reconnectButton = el('button', 'reconnect');
    this.#reconnectButton.type = 'button';
    this.#reconnectButton.hidden = true;
    this.#reconnectButton.addEventListener('click', () => this.#transport?.reconnectNow());
    this.#channelSelect = el('select', 'channel');
    this.#channelSelect.dataset.testid = `lane-channel-${name}`;
    for (const value of ['', ...CHANNELS]) {
      const option = el('option', '', value);
      option.value = value;
      this.#channelSelect.append(option);
    }
    this.#channelSelect.addEventListener('change', () => this.#useChannel(this.#channelSelect.value));
    this.#pauseButton = el('button', 'pause');
    this.#pauseButton.type = 'button';
    this.#pauseButton.setAttribute('aria-pressed', 'false');
    this.#pauseButton.addEventListener('click', () => (this.paused ? this.resume() : this.pause()));
    head.append(this.#title, this.#stateOut, this.#reconnectButton, this.#channelSelect, this.#pauseButton);
    this.#statsOut = el('p', 'lane-stats');
    this.#noteOut = el('output', 'lane-note');
    this.#noteOut.dataset.testid = `lane-note-${name}`;
    this.#list = el('ol', 'msgs');
    this.#list.setAttribute('aria-live', 'off');
    this.element.append(head, this.#statsOut, this.#noteOut, this.#list);
    this.#rows = new FrameBatch((items) => this.#draw(items), MAX_ROWS);
    onLangChange(() => this.#render());
    this.#render();
  }

  /** A line under the stats for what only the page measures (the WebSocket's bufferedAmount). */
  showNote(text: string): void {
    this.#noteOut.textContent = text;
  }

  get paused(): boolean {
    return this.#state === 'paused';
  }

  /** The connection state shown (the library's, or `paused`). */
  get state(): ConnectionState | 'paused' {
    return this.#state;
  }

  /** Whether this lane holds one of the browser's HTTP connections now (see lane-info.ts). */
  get holdsHttpConnection(): boolean {
    return LANE_INFO[this.name].holdsHttpConnection && !this.paused;
  }

  /** The transport, when it can publish over an open socket (the WebSocket lane). */
  get socket(): PublishingTransport | undefined {
    const tr = this.#transport;
    return tr && this.#state === 'open' && isPublishing(tr) ? tr : undefined;
  }

  /** Starts (or restarts, with fresh options) from the saved cursor. */
  start(): void {
    this.#stopTransport();
    const channel = this.#channel;
    const transport = createTransport(this.name, { ...this.#options(), ...(channel ? { channel } : {}) });
    this.#transport = transport;
    const mine = () => this.#transport === transport;
    this.#recorder.listening(this.name);
    transport.start(this.#position, {
      messages: (batch, meta) => {
        if (!mine()) return;
        this.#position = transport.position;
        const kinds = this.#recorder.addMessages(this.name, batch, meta.receivedAt);
        this.#rows.push(...batch.map((m, i) => ({ m, receivedAt: meta.receivedAt, kind: kinds[i] ?? 'live' })));
      },
      reset: (info) => {
        if (!mine()) return;
        const from = this.#lastSeq ?? info.previousCursor ?? 0;
        this.#rows.push({
          notice: noticeRow('reset', t('lane.reset', { from, epoch: info.epoch, cursor: info.cursor })),
        });
        this.#lastSeq = info.cursor;
        this.#epoch = info.epoch;
      },
      error: () => {},
      state: (s) => {
        if (!mine() || s === 'closed') return;
        if (this.#state === 'reconnecting' && (s === 'open' || s === 'waiting')) this.#recorder.listening(this.name);
        this.#state = s;
        this.#render();
        this.onState();
      },
      request: (r) => {
        if (!mine()) return;
        this.#recorder.addRecord(this.name, r);
        if (r.instance !== undefined && r.instance !== this.#instance) this.#served(r.instance);
      },
    });
  }

  pause(): void {
    if (this.paused) return;
    this.#stopTransport();
    this.#state = 'paused';
    this.#render();
    this.onState();
  }

  resume(): void {
    if (!this.paused) return;
    const after = this.#position.after;
    if (after !== undefined) this.#rows.push({ notice: noticeRow('resume', t('lane.resumed', { after })) });
    this.#state = 'connecting';
    this.start();
    this.onState();
  }

  /**
   * Puts the lane on one channel (`/ws/<channel>` for the WebSocket, `sources=` for the others)
   * or back on all of them; it goes on from its cursor, so nothing is lost or repeated.
   */
  #useChannel(value: string): void {
    const channel = CHANNELS.find((c) => c === value);
    this.#channel = channel;
    this.#rows.push({
      notice: noticeRow('resume', t('lane.channelNow', { channel: channel ?? t('lane.channel.all') })),
    });
    this.restart();
  }

  /** Applies new client options (poll interval, long-poll timeout, host), keeping the cursor. */
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

  /** Draws what arrived since the last frame: rows (with gaps made visible) and the stats line. */
  #draw(items: readonly Pending[]): void {
    const rows: HTMLLIElement[] = [];
    for (const item of items) {
      if ('notice' in item) {
        rows.push(item.notice);
        continue;
      }
      const { m, receivedAt, kind } = item;
      const epoch = this.#position.epoch;
      if (epoch !== this.#epoch) {
        this.#epoch = epoch;
        this.#lastSeq = undefined;
      }
      // On one channel the others' seqs are skipped by design: only going backwards is a fault.
      const last = this.#lastSeq;
      if (last !== undefined && (this.#channel === undefined ? m.seq !== last + 1 : m.seq <= last)) {
        rows.push(noticeRow('gap', `#${this.#lastSeq} → #${m.seq}`));
      }
      this.#lastSeq = m.seq;
      this.#received++;
      rows.push(messageRow(m, receivedAt, { kind }));
    }
    prependRows(this.#list, rows, MAX_ROWS);
    this.#renderStats();
  }

  #served(instance: string): void {
    if (this.#instance !== undefined) this.#hops++;
    this.#instance = instance;
    this.element.dataset.instance = instance;
    this.#renderStats();
  }

  #renderStats(): void {
    const samples = this.#recorder.samples[this.name];
    const last = samples[samples.length - 1];
    const live = this.#recorder.live(this.name);
    const apart = this.#recorder.setApart(this.name);
    const setApart = apart['catch-up'] + apart.burst;
    this.#statsOut.textContent = `${t('lane.received')} ${this.#received} · ${t('lane.last')} ${formatMs(
      last?.latency ?? Number.NaN,
    )} ms · ${t('lane.mean')} ${formatMs(mean(live.map((s) => s.latency)))} ms${
      setApart > 0 ? ` · ${t('lane.apart', { n: setApart })}` : ''
    }${this.#instance === undefined ? '' : ` · ${t('lane.instance', { name: this.#instance })}`}${
      this.#hops > 0 ? ` ${t('lane.hops', { n: this.#hops })}` : ''
    }`;
  }

  #render(): void {
    this.#title.textContent = t(`transport.${this.name}` as const);
    const all = this.#channelSelect.options[0];
    if (all) all.textContent = t('lane.channel.all');
    this.#channelSelect.setAttribute('aria-label', `${t('lane.channel')}: ${this.#title.textContent}`);
    this.#stateOut.textContent = t(`state.${this.#state}` as const);
    this.element.dataset.state = this.#state;
    this.#pauseButton.textContent = this.paused ? t('resume') : t('pause');
    this.#pauseButton.setAttribute('aria-pressed', String(this.paused));
    this.#pauseButton.setAttribute(
      'aria-label',
      `${this.paused ? t('resume') : t('pause')}: ${this.#title.textContent}`,
    );
    this.#reconnectButton.hidden = this.#state !== 'reconnecting';
    this.#reconnectButton.textContent = t('lane.reconnectNow');
    this.#renderStats();
  }
}
