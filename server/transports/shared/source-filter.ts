import type { FeedMessage, Source } from '../../../protocol/wire.ts';
import type { ReadResult } from '../../feed/feed.ts';

/**
 * The channels a reader asked for (`sources=chat,log`, or a channel's WebSocket path), or
 * every channel when undefined. The cursor stays the feed's one global `seq`: a filtered reader
 * moves past other channels' messages without receiving them, so resuming, resets and the
 * history work exactly as for everyone else.
 */
export type SourceFilter = ReadonlySet<Source> | undefined;

/** Whether a reader with `filter` receives `m`. */
export function passes(filter: SourceFilter, m: FeedMessage): boolean {
  return filter === undefined || filter.has(m.source);
}

/** Filtered views of shared read results, per filter: readers with one filter share one body. */
const views = new WeakMap<ReadResult, Map<string, ReadResult>>();

/**
 * `r` with only the messages `filter` lets through; epoch, cursor (how far the read went, so
 * the reader moves past what it skipped) and reset are kept. The same object for every reader
 * with the same filter, so an answer body built for it is built once (see read-response.ts).
 */
export function filtered(r: ReadResult, filter: SourceFilter): ReadResult {
  if (filter === undefined) return r;
  const key = [...filter].sort().join(',');
  let byFilter = views.get(r);
  if (!byFilter) {
    byFilter = new Map();
    views.set(r, byFilter);
  }
  let view = byFilter.get(key);
  if (!view) {
    view = { ...r, messages: r.messages.filter((m) => filter.has(m.source)) };
    byFilter.set(key, view);
  }
  return view;
}
