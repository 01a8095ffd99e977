/**
 * The page's calls to the control routes (docs/protocol.md "Dashboard control"). A non-2xx
 * answer throws the server's own error (ServerError: code and message); a 401 asks for the
 * publish token once and tries again with it; a network failure throws UnreachableError, which
 * the page words as "server unreachable" rather than the browser's "Failed to fetch".
 */
import type { BurstResponse, FeedSettings, InspectResponse } from '../../protocol/control.ts';
import type { StatsResponse } from '../../protocol/wire.ts';
import { httpError } from '../lib/errors.ts';
import { askForToken, authHeaders } from './auth.ts';

/** The server could not be reached at all (stopped, restarting, network down). */
export class UnreachableError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'UnreachableError';
  }
}

/** The page calls still waiting, by id: when each was sent (performance.now()). */
const pending = new Map<number, number>();
let nextId = 0;

/** When the oldest page call still waiting was sent (performance.now()), if one is. */
export function oldestPending(): number | undefined {
  let oldest: number | undefined;
  for (const at of pending.values()) oldest = oldest === undefined ? at : Math.min(oldest, at);
  return oldest;
}

/** fetch, with the token and the wait tracked; a network failure becomes UnreachableError. */
async function send(path: string, init: { method: string; headers?: Record<string, string>; body?: string }) {
  const id = nextId++;
  pending.set(id, performance.now());
  try {
    return await fetch(path, { ...init, cache: 'no-store', headers: { ...init.headers, ...authHeaders() } });
  } catch (err) {
    throw new UnreachableError(err);
  } finally {
    pending.delete(id);
  }
}

/**
 * One call. `background`: made by a timer, not a click (the inspector's refresh), so a refused
 * token dialog is not shown again by it.
 */
async function call<T>(method: string, path: string, body?: unknown, background = false): Promise<T> {
  const init =
    body === undefined
      ? { method }
      : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  let res = await send(path, init);
  if (res.status === 401 && (await askForToken(!background))) res = await send(path, init);
  const text = await res.text();
  if (!res.ok) throw httpError(res.status, text);
  return JSON.parse(text) as T;
}

export const api = {
  settings: () => call<FeedSettings>('GET', '/api/settings'),
  putSettings: (s: Partial<FeedSettings>) => call<FeedSettings>('PUT', '/api/settings', s),
  burst: (count: number) => call<BurstResponse>('POST', '/api/burst', { count }),
  clearStats: () => call<StatsResponse>('POST', '/api/stats/clear'),
  stats: () => call<StatsResponse>('GET', '/api/stats'),
  inspect: (tag: string) =>
    call<InspectResponse>('GET', `/api/inspect?tag=${encodeURIComponent(tag)}`, undefined, true),
};
