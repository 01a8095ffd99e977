/**
 * The dashboard: four lanes racing the same feed (race view), one transport with a switcher
 * (single view), live charts next to their models, and the wire inspector. This file only
 * wires the modules together; each concern lives in its own file.
 */

import type { FeedSettings } from '../../protocol/control.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { ClientOptions } from '../lib/types.ts';
import { api, oldestPending } from './api.ts';
import { currentToken, onTokenChange } from './auth.ts';
import { BytesChart } from './charts/bytes.ts';
import { CdfChart } from './charts/cdf.ts';
import { LatencyChart } from './charts/latency.ts';
import { RequestsChart } from './charts/requests.ts';
import { renderModel, renderWaste } from './charts/waste.ts';
import { publishChat } from './chat.ts';
import { renderHostsNote } from './connection-note.ts';
import { type ClientSettings, initialClientSettings, setupControls } from './controls.ts';
import { byId } from './dom.ts';
import { initialLang, isKey, type Lang, lang, onLangChange, setLang, t } from './i18n.ts';
import { Inspector } from './inspector.ts';
import { LANE_INFO } from './lane-info.ts';
import { Lane } from './lanes.ts';
import { phaseLocked } from './phase.ts';
import { Recorder } from './recorder.ts';
import { hostOf, laneOrigin, newTabLabel } from './shard.ts';
import { SingleView } from './single.ts';
import { TabCensus } from './tabs.ts';
import { newPageId, taggedOptions } from './tagging.ts';
import { renderLegend, Timeline } from './timeline.ts';
import './style.css';

const LANG_KEY = 'pushrace.lang';
const VIEWS = ['race', 'single', 'charts', 'inspector'] as const;
type View = (typeof VIEWS)[number];

// ---- language ----
function storedLang(): string | null {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
}
const langSelect = byId('lang', HTMLSelectElement);
function applyStaticLabels(): void {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  langSelect.value = lang();
  for (const e of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = e.dataset.i18n ?? '';
    if (isKey(key)) e.textContent = t(key);
  }
  for (const e of document.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    const key = e.dataset.i18nPlaceholder ?? '';
    if (isKey(key)) e.placeholder = t(key);
  }
  for (const e of document.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    const key = e.dataset.i18nLabel ?? '';
    if (isKey(key)) e.setAttribute('aria-label', t(key));
  }
  byId('inspector-why', HTMLElement).textContent = t('inspector.why', { tag: pageId });
}
langSelect.addEventListener('change', () => {
  const next: Lang = langSelect.value === 'zh' ? 'zh' : 'en';
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // private mode: the choice lasts this page only
  }
  setLang(next);
});

// ---- transports ----
const pageId = newPageId();
const tagged = taggedOptions(pageId);
let client: ClientSettings = initialClientSettings();
let feed: FeedSettings | undefined;

/** This tab's own host name for its lanes, unless "one host for every tab" is chosen (shard.ts). */
const tabLabel = newTabLabel();
const oneHost = byId('one-host', HTMLInputElement);
oneHost.checked = new URLSearchParams(window.location.search).get('hosts') === 'one';
const canShard = laneOrigin(window.location, tabLabel, false) !== window.location.origin;
const laneBase = () => laneOrigin(window.location, tabLabel, oneHost.checked);

/** The page's lanes retry sooner than the library's default: a presenter is watching. */
const PAGE_BACKOFF = { initialMs: 250, maxMs: 2000 };
const sioLane = byId('sio-lane', HTMLInputElement);
const sioVia = byId('sio-via', HTMLSelectElement);
const options = (): ClientOptions => ({
  baseUrl: laneBase(),
  socketioTransport: sioVia.value === 'polling' ? 'polling' : 'websocket',
  pollIntervalMs: client.pollIntervalMs,
  longPollTimeoutMs: client.longPollTimeoutMs,
  backoff: PAGE_BACKOFF,
  token: currentToken(),
  ...tagged,
});

const recorder = new Recorder();
const lanesBox = byId('lanes', HTMLElement);
const lanes = new Map<TransportName, Lane>();
for (const name of TRANSPORT_NAMES) {
  const lane = new Lane(name, recorder, options);
  lanes.set(name, lane);
  lanesBox.append(lane.element);
}
const single = new SingleView(options);
const timeline = new Timeline(byId('timeline', HTMLCanvasElement), recorder, (n) => lanes.get(n)?.state ?? 'closed');
const socket = () => lanes.get('ws')?.socket;
let say: (text: string, error?: boolean) => void = () => {};
const inspector = new Inspector(pageId, () =>
  publishChat(t('inspector.wsHello'), 'ws', { socket, say: (text, error) => say(text, error) }),
);

/**
 * The socket.io lane is optional (a fifth lane, off by default): shown and running when ticked,
 * paused and hidden otherwise; its cursor is kept, so ticking it again catches up.
 */
function showSocketio(): void {
  const lane = lanes.get('socketio');
  if (!lane) return;
  lane.element.hidden = !sioLane.checked;
  if (sioLane.checked) lane.resume();
  else lane.pause();
}
sioLane.addEventListener('change', showSocketio);
sioVia.addEventListener('change', () => lanes.get('socketio')?.restart());

/** Restarts every running lane (and the single view) from its cursor, with fresh options. */
function restartLanes(): void {
  for (const lane of lanes.values()) lane.restart();
  if (single.running) single.start();
}

// ---- the browser's connections per host, and the phase-lock warning ----
const heldHere = () =>
  [...lanes.values()].filter((l) => l.holdsHttpConnection).length +
  (single.running && LANE_INFO[single.transport].holdsHttpConnection ? 1 : 0);
const hostsNote = byId('hosts-note', HTMLElement);
const phaseNote = byId('phase-note', HTMLElement);
function renderNotes(): void {
  const oldest = oldestPending();
  renderHostsNote(hostsNote, {
    sharded: laneBase() !== window.location.origin,
    canShard,
    laneHost: hostOf(laneBase()),
    pageHost: window.location.host,
    census,
    waitingMs: oldest === undefined ? 0 : performance.now() - oldest,
  });
  const locked = phaseLocked(feed, client.pollIntervalMs);
  phaseNote.hidden = !locked;
  phaseNote.textContent = locked ? t('phase.locked', { t: client.pollIntervalMs }) : '';
}
const census = new TabCensus(pageId, () => ({ host: hostOf(laneBase()), held: heldHere() }), renderNotes);
for (const lane of lanes.values()) lane.onState = () => census.announce();
single.onState = () => census.announce();
oneHost.addEventListener('change', () => {
  const url = new URL(window.location.href);
  if (oneHost.checked) url.searchParams.set('hosts', 'one');
  else url.searchParams.delete('hosts');
  history.replaceState(null, '', url);
  recorder.newWindow('hosts');
  restartLanes();
  census.announce();
});
oneHost.disabled = !canShard;
onTokenChange(restartLanes);

say = setupControls({
  applyClient(s) {
    client = s;
    recorder.newWindow('poll');
    restartLanes();
    renderNotes();
  },
  cleared() {
    recorder.clear();
  },
  feedChanged(s, byThisPage) {
    feed = s;
    if (byThisPage) recorder.newWindow('feed');
    renderNotes();
  },
  burstStarted: (at) => recorder.burstStarted(at),
  burstStored: (r) => recorder.burstStored(r),
  burstFailed: () => recorder.burstFailed(),
  socket,
  buffered: (text) => lanes.get('ws')?.showNote(text),
});

// ---- charts ----
const latencyChart = new LatencyChart('chart-latency');
const cdfChart = new CdfChart('chart-cdf', byId('percentiles', HTMLTableElement));
const requestsChart = new RequestsChart('chart-requests');
const bytesChart = new BytesChart('chart-bytes');
const wasteBody = byId('waste', HTMLTableElement).tBodies[0];
const modelBox = byId('model', HTMLElement);
const windowOut = byId('window', HTMLElement);

async function refreshCharts(): Promise<void> {
  let stats: Awaited<ReturnType<typeof api.stats>>;
  try {
    stats = await api.stats();
  } catch {
    return; // the server may be restarting
  }
  requestsChart.update(stats, Date.now(), currentView === 'charts');
  if (currentView !== 'charts') return;
  const w = recorder.window;
  windowOut.textContent = t('window.since', {
    time: new Date(w.since).toLocaleTimeString(lang() === 'zh' ? 'zh-CN' : 'en-GB'),
    reason: t(`window.${w.reason}` as const),
  });
  windowOut.dataset.reason = w.reason;
  latencyChart.update(recorder, client.pollIntervalMs);
  cdfChart.update(recorder);
  bytesChart.update(stats);
  if (wasteBody) renderWaste(wasteBody, stats, recorder);
  renderModel(modelBox, recorder, client.pollIntervalMs, phaseLocked(feed, client.pollIntervalMs));
}

// ---- views ----
let currentView: View = 'race';
function showView(view: View): void {
  currentView = view;
  document.body.dataset.view = view;
  for (const v of VIEWS) {
    byId(`view-${v}`, HTMLElement).hidden = v !== view;
    byId(`tab-${v}`, HTMLButtonElement).setAttribute('aria-selected', String(v === view));
  }
  if (view === 'single') single.start();
  else single.stop();
  if (view === 'inspector') void inspector.refresh();
  if (view === 'charts') void refreshCharts();
}
for (const v of VIEWS) byId(`tab-${v}`, HTMLButtonElement).addEventListener('click', () => showView(v));

// ---- start ----
setLang(initialLang(storedLang(), navigator.language));
applyStaticLabels();
const legend = byId('timeline-legend', HTMLElement);
renderLegend(legend);
onLangChange(() => {
  applyStaticLabels();
  renderLegend(legend);
  renderNotes();
  void refreshCharts();
  void inspector.render();
});
for (const lane of lanes.values()) {
  if (lane.name === 'socketio') showSocketio();
  else lane.start();
}
showView('race');
setInterval(() => void refreshCharts(), 1000);
setInterval(renderNotes, 1000);
setInterval(() => {
  if (currentView === 'inspector') void inspector.refresh();
}, 2000);
setInterval(() => {
  if (currentView === 'race') timeline.draw();
}, 200);
