/**
 * The page's calls to the control routes (docs/protocol.md "Dashboard control"). A non-2xx
 * answer throws with the server's own `{ error: { code, message } }` text.
 */
import type { BurstResponse, FeedSettings, InspectResponse } from '../../protocol/control.ts';
import type { StatsResponse } from '../../protocol/wire.ts';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    cache: 'no-store',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
        const e = parsed.error;
        if (typeof e === 'object' && e !== null && 'code' in e && 'message' in e) message = `${e.code}: ${e.message}`;
      }
    } catch {
      // not JSON: keep the status
    }
    throw new Error(message);
  }
  return JSON.parse(text) as T;
}

export const api = {
  settings: () => call<FeedSettings>('GET', '/api/settings'),
  putSettings: (s: Partial<FeedSettings>) => call<FeedSettings>('PUT', '/api/settings', s),
  burst: (count: number) => call<BurstResponse>('POST', '/api/burst', { count }),
  clearStats: () => call<StatsResponse>('POST', '/api/stats/clear'),
  stats: () => call<StatsResponse>('GET', '/api/stats'),
  inspect: (tag: string) => call<InspectResponse>('GET', `/api/inspect?tag=${encodeURIComponent(tag)}`),
};
