/**
 * The control bar: chat (chat.ts), burst, the lanes' client options (poll interval, long-poll
 * timeout), the server feed's settings (server-form.ts) and clearing the stats. Server-side
 * values go through the validated API; what it refuses is shown as its message.
 */
import type { BurstResponse, FeedSettings } from '../../protocol/control.ts';
import { api } from './api.ts';
import { setupBinary } from './binary.ts';
import { type ChatDeps, setupChat } from './chat.ts';
import { byId } from './dom.ts';
import { errorText } from './error-text.ts';
import { t } from './i18n.ts';
import { setupServerForm } from './server-form.ts';

/** The lanes' client options, as the controls set them. */
export interface ClientSettings {
  pollIntervalMs: number;
  longPollTimeoutMs: number;
}

export interface ControlHooks {
  /** New client options: restart the lanes from their cursors. */
  applyClient(s: ClientSettings): void;
  /** Counters cleared on the server: clear the page's own too. */
  cleared(): void;
  /** The server feed's settings now in force (`byThisPage`: a change made here). */
  feedChanged(s: FeedSettings, byThisPage: boolean): void;
  /** A burst was asked for: until it is through, the lanes' backlog is the burst's. */
  burstStarted(at: number): void;
  /** The burst is stored, up to `last`. */
  burstStored(r: BurstResponse): void;
  /** The burst was refused or the server is gone. */
  burstFailed(): void;
  /** The WebSocket lane's transport, to publish over its socket. */
  socket: ChatDeps['socket'];
  /** Shows the WebSocket's bufferedAmount during a binary burst (in its lane). */
  buffered(text: string): void;
}

/** Wires the control bar; returns the status line's writer, for other parts of the page. */
export function setupControls(hooks: ControlHooks): ChatDeps['say'] {
  const status = byId('control-status', HTMLOutputElement);
  const say = (text: string, error = false) => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };
  setupChat({ socket: hooks.socket, say });
  setupBinary({ socket: hooks.socket, say, buffered: hooks.buffered });
  setupServerForm({ say, changed: hooks.feedChanged });

  const burstForm = byId('burst-form', HTMLFormElement);
  const burstCount = byId('burst-count', HTMLInputElement);
  burstForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    hooks.burstStarted(performance.timeOrigin + performance.now());
    try {
      const r = await api.burst(Number(burstCount.value));
      hooks.burstStored(r);
      say(t('status.burst', { first: r.first, last: r.last }));
    } catch (err) {
      hooks.burstFailed();
      say(errorText(err), true);
    }
  });

  const clientForm = byId('client-form', HTMLFormElement);
  const pollInterval = byId('poll-interval', HTMLInputElement);
  const lpTimeout = byId('lp-timeout', HTMLInputElement);
  clientForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!clientForm.reportValidity()) return;
    const s = { pollIntervalMs: Number(pollInterval.value), longPollTimeoutMs: Number(lpTimeout.value) };
    hooks.applyClient(s);
    say(t('status.client', { poll: s.pollIntervalMs, lp: s.longPollTimeoutMs }));
  });

  byId('clear-stats', HTMLButtonElement).addEventListener('click', async () => {
    try {
      await api.clearStats();
      hooks.cleared();
      say(t('status.cleared'));
    } catch (err) {
      say(errorText(err), true);
    }
  });
  return say;
}

/** The client options the form shows at start. */
export function initialClientSettings(): ClientSettings {
  return {
    pollIntervalMs: Number(byId('poll-interval', HTMLInputElement).value),
    longPollTimeoutMs: Number(byId('lp-timeout', HTMLInputElement).value),
  };
}
