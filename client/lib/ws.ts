import type { PublishFrame } from '../../protocol/wire.ts';
import { Backoff } from './backoff.ts';
import { now, utf8Length } from './clock.ts';
import { Cursor } from './cursor.ts';
import { type DecodedFrame, decodeServerFrame } from './decode.ts';
import { deliverHello, deliverMessage } from './deliver.ts';
import { asError, ServerError } from './errors.ts';
import { newMessageId } from './id.ts';
import { resolveOptions, webSocketOf } from './options.ts';
import { Session } from './session.ts';
import type {
  ClientOptions,
  PublishAck,
  PublishingTransport,
  ResumePoint,
  TransportHandlers,
  WebSocketConstructor,
  WebSocketLike,
} from './types.ts';
import { feedUrl, toWebSocketBase } from './url.ts';

/** `readyState` of an open socket, the same in browsers and `ws`. */
const OPEN = 1;

/** A publish waiting for its ack. */
interface Waiter {
  resolve(ack: PublishAck): void;
  reject(err: Error): void;
}

/**
 * WebSocket: one socket both ways. Reconnects with backoff and resumes with
 * `after=<cursor>&epoch=<epoch>`; a restarted server answers with a reset hello. Publishes go
 * over the same socket and are matched to their ack by id.
 */
export function createWsTransport(options: ClientOptions): PublishingTransport {
  const opts = resolveOptions(options);
  const session = new Session('ws');
  const backoff = new Backoff(opts.backoff);
  let cursor = new Cursor();
  let WebSocketImpl: WebSocketConstructor | undefined;
  let socket: WebSocketLike | undefined;
  /** Publishes sent on the current socket, by id (a queue, in case an id is reused). */
  const waiting = new Map<string, Waiter[]>();

  const connect = () => {
    if (!WebSocketImpl) return;
    const g = session.renew();
    const url = feedUrl(toWebSocketBase(opts.baseUrl), '/ws', cursor.position, { token: opts.token });
    const sentAt = now();
    let opened = false;
    let lastError = '';
    let ws: WebSocketLike;
    try {
      ws = new WebSocketImpl(url);
    } catch (err) {
      return drop(asError(err));
    }
    socket = ws;

    ws.addEventListener('open', () => {
      if (!session.current(g)) return;
      opened = true;
      session.record({
        kind: 'open',
        method: 'GET',
        url,
        status: 101,
        sentAt,
        doneAt: now(),
        messages: 0,
        bytes: 0,
        outcome: 'ok',
      });
    });
    ws.addEventListener('message', (ev) => {
      if (!session.current(g)) return;
      const receivedAt = now();
      if (typeof ev.data !== 'string') return session.error(new Error('pushrace: unexpected binary frame'));
      let frame: DecodedFrame;
      try {
        frame = decodeServerFrame(ev.data);
      } catch (err) {
        recordIn(ev.data, 0, receivedAt);
        return session.error(asError(err));
      }
      recordIn(ev.data, frame.type === 'message' ? 1 : 0, receivedAt);
      onFrame(frame, receivedAt);
    });
    ws.addEventListener('error', (ev) => {
      // Always followed by `close`, which reports and reconnects; keep the detail for it.
      if ('message' in ev && typeof ev.message === 'string') lastError = ev.message;
    });
    ws.addEventListener('close', (ev) => {
      if (!session.current(g)) return;
      socket = undefined;
      const detail = `code ${ev.code}${ev.reason ? ` ${ev.reason}` : ''}${lastError ? `: ${lastError}` : ''}`;
      if (!opened) {
        session.record({
          kind: 'open',
          method: 'GET',
          url,
          sentAt,
          doneAt: now(),
          messages: 0,
          bytes: 0,
          outcome: 'error',
          error: `could not open the socket (${detail})`,
        });
      }
      drop(new Error(opened ? `WebSocket closed (${detail})` : `WebSocket could not open (${detail})`));
    });
  };

  const recordIn = (text: string, messages: number, at: number) => {
    if (session.recording) {
      session.record({ kind: 'frame-in', sentAt: at, doneAt: at, messages, bytes: utf8Length(text), outcome: 'ok' });
    }
  };

  const onFrame = (frame: DecodedFrame, receivedAt: number) => {
    switch (frame.type) {
      case 'hello':
        backoff.reset();
        deliverHello(session, cursor, frame.hello);
        return session.setState('open');
      case 'message':
        return deliverMessage(session, cursor, frame.message, receivedAt);
      case 'ack': {
        const waiter = frame.id === null ? undefined : take(frame.id);
        return waiter?.resolve({ seq: frame.seq, duplicate: frame.duplicate });
      }
      case 'error': {
        const err = new ServerError(frame.code, frame.message);
        const waiter = frame.id === null ? undefined : take(frame.id);
        return waiter ? waiter.reject(err) : session.error(err);
      }
    }
  };

  const take = (id: string): Waiter | undefined => {
    const queue = waiting.get(id);
    const waiter = queue?.shift();
    if (queue?.length === 0) waiting.delete(id);
    return waiter;
  };

  const rejectAll = (why: string) => {
    const all = [...waiting.values()].flat();
    waiting.clear();
    for (const w of all) w.reject(new Error(why));
  };

  /** Forgets the current socket and reconnects from the cursor after backoff. */
  const drop = (err: Error) => {
    socket = undefined;
    rejectAll('pushrace: the WebSocket closed before the ack');
    session.error(err);
    session.setState('reconnecting');
    session.later(session.renew(), backoff.next(), connect);
  };

  const stop = () => {
    if (!session.running) return;
    const ws = socket;
    socket = undefined;
    rejectAll('pushrace: the transport was stopped before the ack');
    session.end();
    ws?.close(1000, 'client stopped');
  };

  const publish = (body: unknown, publishOpts: { id?: string; source?: 'chat' | 'bench' } = {}) => {
    const ws = socket;
    if (!ws || ws.readyState !== OPEN) {
      return Promise.reject(new Error('pushrace: the WebSocket is not open; publish when it is (state `open`)'));
    }
    const id = publishOpts.id ?? newMessageId();
    const frame: PublishFrame = publishOpts.source
      ? { type: 'publish', body, source: publishOpts.source, id }
      : { type: 'publish', body, id };
    const text = JSON.stringify(frame);
    return new Promise<PublishAck>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      const queue = waiting.get(id) ?? [];
      queue.push(waiter);
      waiting.set(id, queue);
      const sentAt = now();
      try {
        ws.send(text);
      } catch (err) {
        queue.splice(queue.indexOf(waiter), 1);
        if (queue.length === 0) waiting.delete(id);
        return reject(asError(err));
      }
      if (session.recording) {
        session.record({
          kind: 'frame-out',
          sentAt,
          doneAt: sentAt,
          messages: 0,
          bytes: utf8Length(text),
          outcome: 'ok',
        });
      }
    });
  };

  return {
    name: 'ws',
    get position() {
      return cursor.position;
    },
    start(from: ResumePoint, on: TransportHandlers) {
      stop();
      WebSocketImpl = webSocketOf(options);
      cursor = new Cursor(from);
      backoff.reset();
      session.begin(on);
      connect();
    },
    stop,
    publish,
  };
}
