/**
 * The single view: one transport at a time, with a switcher. Switching hands the old
 * transport's cursor to the new one (no loss, no duplicate), and every callback is checked
 * against a generation id so a late answer from the old transport is dropped, the way
 * centrifuge-js switches transports. Each row names the transport that delivered it, and each
 * switch is a row of its own with the cursor handed over, so the handover can be pointed at.
 */
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { createTransport } from '../lib/index.ts';
import type { ClientOptions, ClientTransport, ConnectionState, ResumePoint } from '../lib/types.ts';
import { byId, el } from './dom.ts';
import { FrameBatch } from './frame-batch.ts';
import { onLangChange, t } from './i18n.ts';
import { messageRow, noticeRow, prependRows } from './message-row.ts';

const MAX_ROWS = 500;

export class SingleView {
  readonly #options: () => ClientOptions;
  readonly #list = byId('single-feed', HTMLOListElement);
  readonly #stateOut = byId('single-state', HTMLOutputElement);
  readonly #positionOut = byId('single-position', HTMLElement);
  readonly #switcher = byId('single-switcher', HTMLFieldSetElement);
  #name: TransportName = 'ws';
  #transport: ClientTransport | undefined;
  #position: ResumePoint = {};
  /** Bumped on every switch; a callback carrying an older one is dropped. */
  #generation = 0;
  #state: ConnectionState = 'closed';
  readonly #rows = new FrameBatch<HTMLLIElement>((rows) => prependRows(this.#list, rows, MAX_ROWS), MAX_ROWS);
  /** Called on every start and stop (the tab census counts held connections). */
  onState: () => void = () => {};

  constructor(options: () => ClientOptions) {
    this.#options = options;
    for (const name of TRANSPORT_NAMES) {
      const label = el('label');
      const input = el('input');
      input.type = 'radio';
      input.name = 'single-transport';
      input.value = name;
      input.checked = name === this.#name;
      input.addEventListener('change', () => {
        if (input.checked) this.use(name);
      });
      label.append(input, el('span', `tname-${name}`));
      this.#switcher.append(label);
    }
    onLangChange(() => this.#render());
    this.#render();
  }

  /** Whether a transport is running (the view is shown). */
  get running(): boolean {
    return this.#transport !== undefined;
  }

  /** The transport shown, running or not. */
  get transport(): TransportName {
    return this.#name;
  }

  /** Switches to `name`, resuming at the cursor the current transport has reached. */
  use(name: TransportName): void {
    const from = this.#name;
    this.#name = name;
    if (!this.running) {
      this.#render();
      return;
    }
    this.stop();
    const row = noticeRow(
      'switch',
      t('single.switched', {
        from: t(`transport.${from}` as const),
        to: t(`transport.${name}` as const),
        after: this.#position.after ?? '–',
      }),
    );
    row.dataset.from = from;
    row.dataset.to = name;
    this.#rows.push(row);
    this.start();
  }

  start(): void {
    this.stop();
    const generation = ++this.#generation;
    const name = this.#name;
    const transport = createTransport(name, this.#options());
    this.#transport = transport;
    document.body.dataset.transport = name;
    const live = () => generation === this.#generation;
    transport.start(this.#position, {
      messages: (batch, meta) => {
        if (!live()) return;
        this.#position = transport.position;
        this.#rows.push(...batch.map((m) => messageRow(m, meta.receivedAt, { via: name })));
        this.#render();
      },
      reset: (info) => {
        if (!live()) return;
        this.#rows.push(
          noticeRow(
            'reset',
            t('lane.reset', { from: info.previousCursor ?? 0, epoch: info.epoch, cursor: info.cursor }),
          ),
        );
      },
      error: () => {},
      state: (s) => {
        if (!live()) return;
        this.#state = s;
        this.#render();
      },
    });
    this.#render();
    this.onState();
  }

  /** Stops the transport, keeping its cursor for the next start. */
  stop(): void {
    const old = this.#transport;
    if (!old) return;
    this.#position = old.position;
    this.#transport = undefined;
    this.#generation++;
    old.stop();
    this.#state = 'closed';
    this.onState();
  }

  #render(): void {
    this.#stateOut.textContent = t(`state.${this.#state}` as const);
    this.#stateOut.dataset.state = this.#state;
    this.#positionOut.textContent = t('single.position', {
      after: this.#position.after ?? '–',
      epoch: this.#position.epoch ?? '–',
      gen: this.#generation,
    });
    for (const name of TRANSPORT_NAMES) {
      const span = this.#switcher.querySelector(`.tname-${name}`);
      if (span) span.textContent = t(`transport.${name}` as const);
    }
  }
}
