import type { ResumePoint } from '../../protocol/wire.ts';

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
