/**
 * The dashboard: four lanes racing the same feed (race view), one transport with a switcher
 * (single view), live charts next to their models, and the wire inspector. This file only
 * wires the modules together; each concern lives in its own file.
 */
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { ClientOptions } from '../lib/types.ts';
import { api } from './api.ts';
import { BytesChart } from './charts/bytes.ts';
import { CdfChart } from './charts/cdf.ts';
import { LatencyChart } from './charts/latency.ts';
import { RequestsChart } from './charts/requests.ts';
import { renderModel, renderWaste } from './charts/waste.ts';
import { type ClientSettings, initialClientSettings, setupControls } from './controls.ts';
import { byId } from './dom.ts';
import { initialLang, isKey, type Lang, lang, onLangChange, setLang, t } from './i18n.ts';
import { Inspector } from './inspector.ts';
import { Lane } from './lanes.ts';
import { Recorder } from './recorder.ts';
import { SingleView } from './single.ts';
import { newPageId, taggedOptions } from './tagging.ts';
import { Timeline } from './timeline.ts';
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
const options = (): ClientOptions => ({
  baseUrl: window.location.origin,
  pollIntervalMs: client.pollIntervalMs,
  longPollTimeoutMs: client.longPollTimeoutMs,
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
const inspector = new Inspector(pageId);
const timeline = new Timeline(byId('timeline', HTMLCanvasElement), recorder, (n) => lanes.get(n)?.state ?? 'closed');

setupControls({
  applyClient(s) {
    client = s;
    for (const lane of lanes.values()) lane.restart();
    if (single.running) single.start();
  },
  cleared() {
    recorder.clear();
  },
});

// ---- charts ----
const latencyChart = new LatencyChart('chart-latency');
const cdfChart = new CdfChart('chart-cdf', byId('percentiles', HTMLTableElement));
const requestsChart = new RequestsChart('chart-requests');
const bytesChart = new BytesChart('chart-bytes');
const wasteBody = byId('waste', HTMLTableElement).tBodies[0];
const modelBox = byId('model', HTMLElement);

async function refreshCharts(): Promise<void> {
  let stats: Awaited<ReturnType<typeof api.stats>>;
  try {
    stats = await api.stats();
  } catch {
    return; // the server may be restarting
  }
  requestsChart.update(stats, Date.now());
  if (currentView !== 'charts') return;
  latencyChart.update(recorder, client.pollIntervalMs);
  cdfChart.update(recorder);
  bytesChart.update(stats);
  if (wasteBody) renderWaste(wasteBody, stats, recorder);
  renderModel(modelBox, recorder, client.pollIntervalMs);
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
onLangChange(() => {
  applyStaticLabels();
  void refreshCharts();
  void inspector.render();
});
for (const lane of lanes.values()) lane.start();
showView('race');
setInterval(() => void refreshCharts(), 1000);
setInterval(() => {
  if (currentView === 'inspector') void inspector.refresh();
}, 2000);
setInterval(() => {
  if (currentView === 'race') timeline.draw();
}, 200);
