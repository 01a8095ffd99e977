/**
 * The note on the browser's connection limit, so a presenter knows why a tab stalls rather than
 * finding out: where this tab's lanes connect, and, when the tabs of one host hold the six
 * HTTP/1.1 connections a browser allows per host (or a request of this page has waited in the
 * browser's queue), what happened, why, and what fixes it.
 */
import { t } from './i18n.ts';
import type { TabCensus } from './tabs.ts';

/** Connections a browser opens per host over HTTP/1.1 (Chromium, Firefox and Safari alike). */
export const PER_HOST = 6;
/** A page call waiting this long is stuck in the queue rather than slow. */
const STALLED_MS = 2000;

export interface HostsState {
  /** The lanes run on this tab's own host name (shard.ts). */
  sharded: boolean;
  /** The page is on a loopback http origin, where a tab can have a host name of its own. */
  canShard: boolean;
  laneHost: string;
  pageHost: string;
  census: TabCensus;
  /** How long the oldest page call has been waiting, ms (0: none). */
  waitingMs: number;
}

/** Whether the lanes' host is full, or a call waits in the queue: the limit has been hit. */
export function limitHit(s: HostsState): boolean {
  if (s.sharded) return false;
  return s.census.heldOn(s.pageHost).held >= PER_HOST || s.waitingMs >= STALLED_MS;
}

export function renderHostsNote(box: HTMLElement, s: HostsState): void {
  const { held, tabs } = s.census.heldOn(s.laneHost);
  const hit = limitHit(s);
  box.classList.toggle('alert', hit);
  box.setAttribute('role', hit ? 'alert' : 'note');
  box.dataset.limit = String(hit);
  if (s.sharded) {
    box.textContent = t('hosts.sharded', { host: s.laneHost, n: PER_HOST, tabs: s.census.tabs });
    return;
  }
  if (!hit) {
    box.textContent = t('hosts.shared', { host: s.laneHost, held, n: PER_HOST, tabs });
    return;
  }
  const parts = [t('hosts.limit', { host: s.pageHost, held, n: PER_HOST, tabs })];
  if (s.waitingMs >= STALLED_MS) parts.push(t('hosts.waiting', { s: (s.waitingMs / 1000).toFixed(0) }));
  parts.push(t(s.canShard ? 'hosts.fixShard' : 'hosts.fixOther'));
  box.textContent = parts.join(' ');
}
