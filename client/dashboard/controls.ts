/**
 * The control bar: chat, burst, the lanes' client options (poll interval, long-poll timeout)
 * and the server's feed settings (ticker interval, log rate, sources), and clearing the stats.
 * Server-side values go through the validated API; what it refuses is shown as its message.
 */
import { publishHttp } from '../lib/publish.ts';
import { api } from './api.ts';
import { byId } from './dom.ts';
import { t } from './i18n.ts';

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
}

export function setupControls(hooks: ControlHooks): void {
  const status = byId('control-status', HTMLOutputElement);
  const say = (text: string, error = false) => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };
  const fail = (err: unknown) => say(err instanceof Error ? err.message : String(err), true);

  const chatForm = byId('chat', HTMLFormElement);
  const chatInput = byId('chat-input', HTMLInputElement);
  chatForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = chatInput.value;
    if (!body.trim()) return;
    say(t('status.sending'));
    try {
      const { seq } = await publishHttp(window.location.origin, { body });
      say(t('status.sent', { seq }));
      chatInput.value = '';
    } catch (err) {
      fail(err);
    }
  });

  const burstForm = byId('burst-form', HTMLFormElement);
  const burstCount = byId('burst-count', HTMLInputElement);
  burstForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const r = await api.burst(Number(burstCount.value));
      say(t('status.burst', { first: r.first, last: r.last }));
    } catch (err) {
      fail(err);
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

  const serverForm = byId('server-form', HTMLFormElement);
  const tickerInterval = byId('ticker-interval', HTMLInputElement);
  const logRate = byId('log-rate', HTMLInputElement);
  const srcTicker = byId('src-ticker', HTMLInputElement);
  const srcLog = byId('src-log', HTMLInputElement);
  const showSettings = (s: { sources: string[]; tickerIntervalMs: number; logRate: number }) => {
    tickerInterval.value = String(s.tickerIntervalMs);
    logRate.value = String(s.logRate);
    srcTicker.checked = s.sources.includes('ticker');
    srcLog.checked = s.sources.includes('log');
  };
  serverForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const sources: Array<'ticker' | 'log'> = [];
    if (srcTicker.checked) sources.push('ticker');
    if (srcLog.checked) sources.push('log');
    try {
      const s = await api.putSettings({
        sources,
        tickerIntervalMs: Number(tickerInterval.value),
        logRate: Number(logRate.value),
      });
      showSettings(s);
      say(t('status.settings', { sources: s.sources.join(', ') || '–', ticker: s.tickerIntervalMs, log: s.logRate }));
    } catch (err) {
      fail(err);
    }
  });
  api.settings().then(showSettings, fail);

  byId('clear-stats', HTMLButtonElement).addEventListener('click', async () => {
    try {
      await api.clearStats();
      hooks.cleared();
      say(t('status.cleared'));
    } catch (err) {
      fail(err);
    }
  });
}

/** The client options the form shows at start. */
export function initialClientSettings(): ClientSettings {
  return {
    pollIntervalMs: Number(byId('poll-interval', HTMLInputElement).value),
    longPollTimeoutMs: Number(byId('lp-timeout', HTMLInputElement).value),
  };
}
