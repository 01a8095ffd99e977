import { SOURCES, type Source } from '../../protocol/wire.ts';
import { PushraceError } from '../errors.ts';

/** A query value as Koa gives it: absent, one string, or several when the key repeats. */
type QueryValue = string | string[] | undefined;

const one = (
  v: QueryValue,
  name: string,
  code: 'BAD_CURSOR' | 'BAD_EPOCH' | 'BAD_LIMIT' | 'BAD_TIMEOUT' | 'BAD_SOURCES',
) => {
  if (Array.isArray(v)) throw new PushraceError(code, `${name} is given more than once`);
  return v;
};

/**
 * `after`: absent = live from now; else a non-negative integer no larger than 2^53 − 1.
 * Leading `+`, decimals, exponents and hex are refused, so "1e3" never means 1000.
 */
export function parseAfter(v: QueryValue): number | undefined {
  const s = one(v, 'after', 'BAD_CURSOR');
  if (s === undefined) return undefined;
  if (!/^\d{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new PushraceError(
      'BAD_CURSOR',
      `after must be a non-negative integer, got ${JSON.stringify(s.slice(0, 40))}`,
    );
  }
  return Number(s);
}

/** `epoch`: the id a cursor belongs to, as the server hands it out. */
export function parseEpoch(v: QueryValue): string | undefined {
  const s = one(v, 'epoch', 'BAD_EPOCH');
  if (s === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(s)) throw new PushraceError('BAD_EPOCH');
  return s;
}

/** `limit`: 1 to `max` messages in one answer; absent = `max`. */
export function parseLimit(v: QueryValue, max: number): number {
  const s = one(v, 'limit', 'BAD_LIMIT');
  if (s === undefined) return max;
  const n = /^\d{1,9}$/.test(s) ? Number(s) : Number.NaN;
  if (!(n >= 1 && n <= max)) throw new PushraceError('BAD_LIMIT', `limit must be an integer from 1 to ${max}`);
  return n;
}

/** `timeout` (long-poll): 0 to `max` ms; absent = `fallback`. */
export function parseTimeout(v: QueryValue, fallback: number, max: number): number {
  const s = one(v, 'timeout', 'BAD_TIMEOUT');
  if (s === undefined) return fallback;
  const n = /^\d{1,9}$/.test(s) ? Number(s) : Number.NaN;
  if (!(n >= 0 && n <= max))
    throw new PushraceError('BAD_TIMEOUT', `timeout must be an integer number of ms from 0 to ${max}`);
  return n;
}

/**
 * `sources`: the channels to receive, a comma list of feed sources without repeats (absent =
 * every channel). Returned as a set for `SourceFilter`.
 */
export function parseSources(v: QueryValue): ReadonlySet<Source> | undefined {
  const s = one(v, 'sources', 'BAD_SOURCES');
  if (s === undefined) return undefined;
  const names = s.split(',');
  const set = new Set<Source>();
  for (const name of names) {
    if (!(SOURCES as readonly string[]).includes(name) || set.has(name as Source)) {
      throw new PushraceError('BAD_SOURCES', `sources must be a comma list of ${SOURCES.join(', ')}, each once`);
    }
    set.add(name as Source);
  }
  return set;
}
