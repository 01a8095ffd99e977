/**
 * The waste counters and the model card: server counts of work that carried no message (every
 * client of the server, since its counters were cleared), next to this tab's own request count
 * (the table's header says which column is which), and the two models in words with the
 * numbers measured in the current window, and a warning when the poll model cannot hold.
 */
import { type StatsResponse, TRANSPORT_NAMES } from '../../../protocol/wire.ts';
import { el } from '../dom.ts';
import { t } from '../i18n.ts';
import { formatMs, frameHeaderModel, mean, requestsPerMessage } from '../metrics.ts';
import type { Recorder } from '../recorder.ts';

export function renderWaste(body: HTMLTableSectionElement, stats: StatsResponse, recorder: Recorder): void {
  const rows = TRANSPORT_NAMES.map((name) => {
    const s = stats.transports[name];
    const tr = el('tr');
    tr.dataset.transport = name;
    const rpm = requestsPerMessage(s.requests, s.delivered);
    tr.append(
      el('th', `tname t-${name}`, t(`transport.${name}` as const)),
      el('td', '', String(s.requests)),
      el('td', '', String(s.emptyResponses)),
      el('td', '', String(s.timeouts)),
      el('td', '', String(s.delivered)),
      el('td', '', Number.isFinite(rpm) ? rpm.toFixed(2) : '–'),
      el('td', '', String(recorder.counts[name].requests)),
    );
    return tr;
  });
  body.replaceChildren(...rows);
}

export function renderModel(out: HTMLElement, recorder: Recorder, pollIntervalMs: number, locked: boolean): void {
  const live = recorder.live('poll');
  const pollMean = mean(live.map((s) => s.latency));
  const poll = t('model.poll', {
    t: pollIntervalMs,
    half: pollIntervalMs / 2,
    mean: Number.isFinite(pollMean)
      ? t('model.measured', { ms: formatMs(pollMean), n: live.length })
      : t('model.nodata'),
  });
  const len = recorder.lastWsFrameBytes;
  const ws = Number.isFinite(len)
    ? t('model.ws', {
        len,
        hdr: frameHeaderModel(len).serverToClient,
        masked: frameHeaderModel(len).clientToServer,
      })
    : `WebSocket: ${t('model.nodata')}`;
  const p1 = el('p', 'model-poll', poll);
  p1.dataset.testid = 'model-poll';
  const p2 = el('p', 'model-ws', ws);
  p2.dataset.testid = 'model-ws';
  const parts = [p1, p2];
  if (locked) {
    const p3 = el('p', 'model-locked', t('phase.locked', { t: pollIntervalMs }));
    p3.dataset.testid = 'model-locked';
    parts.splice(1, 0, p3);
  }
  out.replaceChildren(...parts);
}
