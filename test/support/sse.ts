import { type IncomingMessage, request } from 'node:http';

/** One parsed server-sent event. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * A raw SSE reader over node:http (not EventSource), so tests see exactly what the server
 * sent: every event, its id, and comment lines counted separately.
 */
export async function openSse(url: string, headers: Record<string, string> = {}) {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(url, { headers: { accept: 'text/event-stream', ...headers } }, resolve)
      .on('error', reject)
      .end();
  });
  const events: SseEvent[] = [];
  let comments = 0;
  let buffer = '';
  let waiters: Array<() => void> = [];
  let ended = false;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const ev: SseEvent = { event: 'message', data: '' };
      let isComment = true;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        isComment = false;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') ev.event = value;
        else if (field === 'id') ev.id = value;
        else if (field === 'data') data.push(value);
      }
      if (isComment) comments++;
      else {
        ev.data = data.join('\n');
        events.push(ev);
      }
      end = buffer.indexOf('\n\n');
    }
    // Swap first: a waiter that is not satisfied yet queues itself again.
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  });
  res.on('end', () => {
    ended = true;
    for (const w of waiters) w();
  });
  /** Resolves once `n` events have arrived (or the stream ended: then it rejects). */
  const next = (n: number, ms = 20_000) =>
    new Promise<SseEvent[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${events.length} of ${n} SSE events after ${ms} ms`)), ms);
      const check = () => {
        if (events.length >= n) {
          clearTimeout(timer);
          resolve(events.slice(0, n));
        } else if (ended) {
          clearTimeout(timer);
          reject(new Error(`stream ended after ${events.length} of ${n} events`));
        } else waiters.push(check);
      };
      check();
    });
  return {
    res,
    events,
    get comments() {
      return comments;
    },
    next,
    ended: () => new Promise<void>((resolve) => (ended ? resolve() : res.once('end', resolve))),
    close: () => res.destroy(),
  };
}
