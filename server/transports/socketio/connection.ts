import type { Socket } from 'socket.io';
import type { FeedMessage, Hello } from '../../../protocol/wire.ts';
import type { Config } from '../../config.ts';
import type { Feed } from '../../feed/feed.ts';
import type { Observer } from '../../observe/observer.ts';
import type { TransportCounters } from '../../observe/stats.ts';
import { type FlowSink, flowFollow, streamFlow } from '../shared/flow.ts';
import type { SendBudget } from '../shared/send-budget.ts';
import { passes, type SourceFilter } from '../shared/source-filter.ts';
import { sioMessagePacket } from './encode.ts';

/** What every socket.io connection shares. */
export interface SioShared {
  config: Config;
  feed: Feed;
  counters: TransportCounters;
  budget: SendBudget;
  observer: Observer;
}

/** A number read from a private field, or 0: engine.io exposes no public queue size. */
function numberAt(target: unknown, key: string): number {
  if (typeof target !== 'object' || target === null) return 0;
  const v: unknown = Reflect.get(target, key);
  return typeof v === 'number' ? v : 0;
}

/**
 * What a socket.io connection holds unsent: the packets engine.io keeps in its write buffer
 * (all of them, on polling, until the next GET collects them) plus, on the websocket
 * transport, the `ws` socket's `bufferedAmount`. engine.io keeps both private, so they are
 * read defensively: a missing field counts as empty rather than throwing.
 */
function engineQueued(socket: Socket): number {
  const conn = socket.conn;
  const buffer: unknown = Reflect.get(conn, 'writeBuffer');
  let n = 0;
  if (Array.isArray(buffer)) {
    for (const packet of buffer as unknown[]) {
      const data: unknown = typeof packet === 'object' && packet !== null ? Reflect.get(packet, 'data') : undefined;
      if (typeof data === 'string') n += data.length;
    }
  }
  return n + numberAt(Reflect.get(conn.transport, 'socket'), 'bufferedAmount');
}

/**
 * One socket.io client, fed like a WebSocket: a `hello` event (epoch, cursor, reset?), then a
 * `message` event per feed message after its cursor, from the feed's history first, flow
 * controlled (flow.ts). The cursor comes with each (re)connect (handshake.ts), so a client
 * that lost its connection gets every message it missed exactly once, or an explicit reset.
 */
export class SioConnection implements FlowSink {
  readonly #socket: Socket;
  readonly #shared: SioShared;
  readonly #filter: SourceFilter;
  readonly #stop: () => void;
  #gone = false;

  constructor(socket: Socket, from: { after?: number; epoch?: string; sources?: SourceFilter }, shared: SioShared) {
    this.#socket = socket;
    this.#shared = shared;
    this.#filter = from.sources;
    this.#stop = flowFollow(shared.feed, streamFlow(from, shared.config, shared.budget), this);
  }

  /** The client disconnected: nothing more is sent. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#stop();
  }

  start(hello: Hello): void {
    if (this.#gone) return;
    this.#socket.emit('hello', { ...hello, instance: this.#shared.config.instance });
  }

  message(m: FeedMessage): void {
    if (this.#gone || !passes(this.#filter, m)) return;
    // The packet socket.io would encode for emit('message', m), written once for all clients.
    this.#socket.conn.write(sioMessagePacket(m));
    this.#shared.counters.delivered++;
  }

  queued(): number {
    return engineQueued(this.#socket);
  }

  paused(): void {
    this.#shared.observer.metrics.drop('socketio', 'paused');
  }

  stalled(): void {
    const { observer } = this.#shared;
    observer.metrics.drop('socketio', 'closed');
    observer.violations.report('slow_consumer', { transport: 'socketio', ip: this.#socket.handshake.address });
    this.#socket.disconnect(true);
  }

  error(): void {
    this.#socket.disconnect(true);
  }
}
