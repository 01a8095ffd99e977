import type { PublishFrame } from '../../protocol/wire.ts';
import { Acks } from './acks.ts';
import type { Attempt } from './attempt.ts';
import { now } from './clock.ts';
import { type DecodedFrame, decodeBinaryFrame, decodeServerFrame } from './decode.ts';
import { type Connection, Driver } from './driver.ts';
import { asError, ServerError } from './errors.ts';
import { newMessageId } from './id.ts';
import { type ResolvedOptions, webSocketOf } from './options.ts';
import { StreamRecorder } from './stream.ts';
import type {
  ClientOptions,
  FeedMessage,
  PublishAck,
  PublishingTransport,
  WebSocketConstructor,
  WebSocketLike,
} from './types.ts';
import { feedUrl, sourcesParam, toWebSocketBase, wsPath } from './url.ts';

/** `readyState` of an open socket, the same in browsers and `ws`. */
const OPEN = 1;

/** What `publish` takes besides the body. */
type PublishOptions = { id?: string; source?: 'chat' | 'bench' };

/**
 * WebSocket: one socket both ways. Reconnects with backoff and resumes with
 * `after=<cursor>&epoch=<epoch>`; a restarted server answers with a reset hello. Publishes go
 * over the same socket and are matched to their ack by id.
 */
export function createWsTransport(options: ClientOptions): PublishingTransport {
  return new WsTransport(options);
}

/**
 * The driver plus publishing: a subclass rather than a wrapper, so every member of the driver
 * (and whatever the socket will add, such as its buffered amount) is the transport's own.
 */
class WsTransport extends Driver<Socket> implements PublishingTransport {
  constructor(options: ClientOptions) {
    super('ws', options, (opts) => {
      const WebSocketImpl = webSocketOf(opts);
      return (attempt) => new Socket(attempt, opts, WebSocketImpl);
    });
  }

  /** See PublishingTransport.publish: over the socket of the live attempt, if there is one. */
  publish(body: unknown, opts: PublishOptions = {}): Promise<PublishAck> {
    return this.connection?.publish(body, opts) ?? Promise.reject(notOpen());
  }

  /** See PublishingTransport.publishBinary. */
  publishBinary(bytes: Uint8Array<ArrayBuffer>): Promise<PublishAck> {
    return this.connection?.publishBinary(bytes) ?? Promise.reject(notOpen());
  }

  /** See PublishingTransport.bufferedAmount. */
  get bufferedAmount(): number {
    return this.connection?.bufferedAmount ?? 0;
  }
}

/** One attempt: one WebSocket, from its opening until it closes, and the publishes sent on it. */
class Socket implements Connection {
  readonly #attempt: Attempt;
  readonly #ws: WebSocketLike;
  readonly #wire: StreamRecorder;
  readonly #acks = new Acks();

  constructor(attempt: Attempt, opts: ResolvedOptions, WebSocketImpl: WebSocketConstructor) {
    const url = feedUrl(toWebSocketBase(opts.baseUrl), wsPath(opts), attempt.position, {
      token: opts.token,
      sources: opts.channel === undefined ? sourcesParam(opts) : undefined,
    });
    const wire = new StreamRecorder(attempt, url);
    const ws = new WebSocketImpl(url);
    ws.binaryType = 'arraybuffer';
    this.#attempt = attempt;
    this.#ws = ws;
    this.#wire = wire;
    let lastError = '';

    ws.addEventListener('open', () => wire.opened(101));
    ws.addEventListener('message', (ev) => {
      const receivedAt = now();
      if (typeof ev.data !== 'string') return this.#onBinary(ev.data, receivedAt);
      let frame: DecodedFrame;
      try {
        frame = decodeServerFrame(ev.data);
      } catch (err) {
        wire.unit('frame-in', ev.data, 0, receivedAt);
        return attempt.error(asError(err));
      }
      const instance = frame.type === 'hello' ? frame.hello.instance : undefined;
      wire.unit('frame-in', ev.data, frame.type === 'message' ? 1 : 0, receivedAt, instance);
      this.#onFrame(frame, receivedAt);
    });
    ws.addEventListener('error', (ev) => {
      // Always followed by `close`, which reports and reconnects; keep the detail for it.
      if ('message' in ev && typeof ev.message === 'string') lastError = ev.message;
    });
    ws.addEventListener('close', (ev) => {
      const detail = `code ${ev.code}${ev.reason ? ` ${ev.reason}` : ''}${lastError ? `: ${lastError}` : ''}`;
      wire.ended(`could not open the socket (${detail})`);
      this.#acks.rejectAll('pushrace: the WebSocket closed before the ack');
      attempt.fail(new Error(wire.isOpen ? `WebSocket closed (${detail})` : `WebSocket could not open (${detail})`));
    });
  }

  /**
   * Publishes over this socket and resolves with the server's ack for the id. Rejects on an
   * error frame for the id, or when the socket closes (or is not open) before the ack.
   */
  publish(body: unknown, opts: PublishOptions): Promise<PublishAck> {
    const id = opts.id ?? newMessageId();
    const frame: PublishFrame = opts.source
      ? { type: 'publish', body, source: opts.source, id }
      : { type: 'publish', body, id };
    const text = JSON.stringify(frame);
    return this.#sendPublish(id, text, text);
  }

  /** See PublishingTransport.publishBinary: one binary frame, acked with id null in frame order. */
  publishBinary(bytes: Uint8Array<ArrayBuffer>): Promise<PublishAck> {
    return this.#sendPublish(null, bytes, bytes.length);
  }

  /** Bytes queued on this socket and not yet handed to the network. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** Sends one publish frame and waits for its ack (`id` null: a binary one). `seen`: its text, or its size. */
  #sendPublish(id: string | null, data: string | Uint8Array<ArrayBuffer>, seen: string | number): Promise<PublishAck> {
    const ws = this.#ws;
    if (ws.readyState !== OPEN) return Promise.reject(notOpen());
    return new Promise<PublishAck>((resolve, reject) => {
      const forget = this.#acks.add(id, { resolve, reject });
      const sentAt = now();
      try {
        ws.send(data);
      } catch (err) {
        forget();
        return reject(asError(err));
      }
      if (typeof seen === 'string') this.#wire.unit('frame-out', seen, 0, sentAt);
      else this.#wire.unit('frame-out', '', 0, sentAt, undefined, seen);
    });
  }

  /** A binary frame: a binary message (see decodeBinaryFrame). */
  #onBinary(data: unknown, receivedAt: number): void {
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : undefined;
    if (!bytes) {
      this.#attempt.error(new Error('pushrace: a binary frame of an unknown kind'));
      return;
    }
    let message: FeedMessage;
    try {
      message = decodeBinaryFrame(bytes);
    } catch (err) {
      this.#wire.unit('frame-in', '', 0, receivedAt, undefined, bytes.length);
      this.#attempt.error(asError(err));
      return;
    }
    this.#wire.unit('frame-in', '', 1, receivedAt, undefined, bytes.length);
    this.#attempt.message(message, receivedAt);
  }

  /**
   * Ended by the driver. On stop, the publishes still waiting are rejected and the socket closes
   * normally; after the socket closed by itself, both were done already and this does nothing.
   */
  close(): void {
    this.#acks.rejectAll('pushrace: the transport was stopped before the ack');
    this.#ws.close(1000, 'client stopped');
  }

  #onFrame(frame: DecodedFrame, receivedAt: number): void {
    const attempt = this.#attempt;
    switch (frame.type) {
      case 'hello':
        attempt.healthy();
        attempt.hello(frame.hello);
        attempt.setState('open');
        break;
      case 'message':
        attempt.message(frame.message, receivedAt);
        break;
      case 'ack':
        this.#acks.take(frame.id)?.resolve({ seq: frame.seq, duplicate: frame.duplicate });
        break;
      case 'error': {
        const err = new ServerError(frame.code, frame.message);
        const waiter = this.#acks.take(frame.id);
        if (waiter) waiter.reject(err);
        else attempt.error(err);
        break;
      }
    }
  }
}

function notOpen(): Error {
  return new Error('pushrace: the WebSocket is not open; publish when it is (state `open`)');
}
