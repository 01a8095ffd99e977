import type { ResumePoint } from '../../protocol/wire.ts';
import type { ClientOptions } from './types.ts';

/**
 * A transport URL: `base + path` with the resume point as `after`/`epoch` and any extra
 * parameters. Absent values are left out, since an absent `after` means "live from now".
 */
export function feedUrl(
  base: string,
  path: string,
  from: ResumePoint,
  extra: Record<string, number | string | undefined> = {},
): string {
  const params = new URLSearchParams();
  if (from.after !== undefined) params.set('after', String(from.after));
  if (from.epoch !== undefined) params.set('epoch', from.epoch);
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) params.set(key, String(value));
  const query = params.toString();
  return `${base}${path}${query ? `?${query}` : ''}`;
}

/** The ws:// (or wss://) form of an http(s):// base URL. */
export function toWebSocketBase(base: string): string {
  return base.replace(/^http(s?):\/\//i, 'ws$1://');
}

/**
 * The `sources` parameter of the client's channel choice: its one `channel`, or its `sources`
 * list; undefined for every channel. (A WebSocket on a channel uses the channel's own path
 * instead: see `wsPath`.)
 */
export function sourcesParam(opts: Pick<ClientOptions, 'sources' | 'channel'>): string | undefined {
  if (opts.channel !== undefined) return opts.channel;
  return opts.sources !== undefined && opts.sources.length > 0 ? opts.sources.join(',') : undefined;
}

/** The WebSocket endpoint: `/ws/<channel>` for one channel (its own `ws` server), else `/ws`. */
export function wsPath(opts: Pick<ClientOptions, 'channel'>): string {
  return opts.channel === undefined ? '/ws' : `/ws/${opts.channel}`;
}
