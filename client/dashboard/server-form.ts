/**
 * The server feed's settings (`GET`/`PUT /api/settings`): sources, ticker period, log rate and
 * timing (random Poisson arrivals, or a fixed metronome). What the server refuses is shown as
 * its message and nothing changes; what it accepts is shown as it is now in force.
 */
import type { FeedSettings } from '../../protocol/control.ts';
import { api } from './api.ts';
import { byId } from './dom.ts';
import { errorText } from './error-text.ts';
import { t } from './i18n.ts';

export interface ServerFormDeps {
  say(text: string, error?: boolean): void;
  /** The settings now in force: read at start, and after each change this page made. */
  changed(s: FeedSettings, byThisPage: boolean): void;
}

export function setupServerForm(deps: ServerFormDeps): void {
  const form = byId('server-form', HTMLFormElement);
  const tickerInterval = byId('ticker-interval', HTMLInputElement);
  const logRate = byId('log-rate', HTMLInputElement);
  const srcTicker = byId('src-ticker', HTMLInputElement);
  const srcLog = byId('src-log', HTMLInputElement);
  const timing = byId('timing', HTMLSelectElement);
  const show = (s: FeedSettings) => {
    tickerInterval.value = String(s.tickerIntervalMs);
    logRate.value = String(s.logRate);
    srcTicker.checked = s.sources.includes('ticker');
    srcLog.checked = s.sources.includes('log');
    timing.value = s.timing;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const sources: FeedSettings['sources'] = [];
    if (srcTicker.checked) sources.push('ticker');
    if (srcLog.checked) sources.push('log');
    try {
      const s = await api.putSettings({
        sources,
        tickerIntervalMs: Number(tickerInterval.value),
        logRate: Number(logRate.value),
        timing: timing.value === 'fixed' ? 'fixed' : 'random',
      });
      show(s);
      deps.changed(s, true);
      deps.say(
        t('status.settings', {
          sources: s.sources.map((n) => t(`source.${n}` as const)).join(', ') || '–',
          ticker: s.tickerIntervalMs,
          log: s.logRate,
          timing: t(`timing.${s.timing}` as const),
        }),
      );
    } catch (err) {
      deps.say(errorText(err), true);
    }
  });
  api.settings().then(
    (s) => {
      show(s);
      deps.changed(s, false);
    },
    (err: unknown) => deps.say(errorText(err), true),
  );
}
