import type { RawData, WebSocket } from 'ws';
import type { ServerFrame } from '../../../protocol/wire.ts';
import type { Config } from '../../config.ts';
import { ERRORS, type ErrorCode, PushraceError } from '../../errors.ts';
import { tokenMatches } from '../../http/access.ts';
import { parseJsonInput } from '../../json-input.ts';
import type { Observer } from '../../observe/observer.ts';
import type { Checked, Publisher } from '../../publish/publish.ts';
import { TokenBucket } from '../../publish/rate-limit.ts';

/** Policy violation: repeated bad frames, rate-limited publishes, or frames queued past the cap. */
export const POLICY = 1008;

/** Waiting frames at which the socket stops being read (and below half of which it reads again). */
const PAUSE_AT = 64;

/** What a connection knows about its client. */
export interface Peer {
  ip: string;
  /**
   * Its own publish rate limit: made at its first publish (a bucket starts full, and one made
   * at connect time would have refilled to full by then, so nothing changes but the memory of
   * the clients that never publish).
   */
  bucket: TokenBucket | undefined;
  /** May publish: no token configured, a valid `?token=`, or a valid `auth` frame. */
  authorized: boolean;
}

/** What the frame handler needs from its connection. */
export interface FrameHost {
  readonly ws: WebSocket;
  readonly peer: Peer;
  /** Sends a JSON frame while the connection is open. */
  reply(frame: ServerFrame): void;
  /** Closes the connection for a policy violation (and cuts it if the peer does not answer). */
  strikeOut(reason: string): void;
}

/** What every connection's frame handler shares. */
export interface FrameDeps {
  config: Pick<
    Config,
    | 'publishToken'
    | 'publishRate'
    | 'wsMaxRateStrikes'
    | 'wsMaxBadFrames'
    | 'wsMaxQueuedFrames'
    | 'sendBufferBytes'
    | 'maxJsonDepth'
  >;
  publisher: Publisher;
  observer: Observer;
}

interface Queued {
  data: RawData;
  binary: boolean;
  bytes: number;
}

/**
 * The frames one client sends, handled in order without an unbounded queue. Most frames are
 * handled at once (a bad frame's error, an auth); a publish waits for the feed to store it,
 * and the frames behind it wait too, so replies keep the order of the frames they answer.
 * What waits is capped: from `PAUSE_AT` frames the socket stops being read until half have been
 * handled, and a client that still outruns that (one read holds many tiny frames) is closed with
 * 1008 at `wsMaxQueuedFrames` frames or `sendBufferBytes` bytes waiting. Refusals are plain data and replies, never an exception per frame, and a client that
 * sends `wsMaxBadFrames` bad frames in a row, or `wsMaxRateStrikes` rate-limited publishes in a
 * row, is closed with 1008: bad input costs the server a branch, then the connection.
 */
export class ClientFrames {
  readonly #host: FrameHost;
  readonly #deps: FrameDeps;
  readonly #queue: Queued[] = [];
  #queuedBytes = 0;
  #busy = false;
  #paused = false;
  #badStreak = 0;
  #rateStreak = 0;

  constructor(host: FrameHost, deps: FrameDeps) {
    this.#host = host;
    this.#deps = deps;
  }

  /** A frame arrived (ws's 'message'). */
  push(data: RawData, binary: boolean): void {
    const { ws } = this.#host;
    if (ws.readyState !== ws.OPEN) return;
    const { config } = this.#deps;
    const bytes = sizeOf(data);
    if (this.#queue.length >= config.wsMaxQueuedFrames || this.#queuedBytes + bytes > config.sendBufferBytes) {
      this.#queue.length = 0;
      this.#queuedBytes = 0;
      this.#deps.observer.violation('protocol', { transport: 'ws', ip: this.#host.peer.ip, why: 'frames queued' });
      this.#host.strikeOut('too many frames waiting');
      return;
    }
    this.#queue.push({ data, binary, bytes });
    this.#queuedBytes += bytes;
    if (this.#queue.length >= PAUSE_AT && !this.#paused) {
      this.#paused = true;
      ws.pause();
    }
    this.#drain();
  }

  #drain(): void {
    while (!this.#busy && this.#queue.length > 0) {
      const next = this.#queue.shift();
      if (!next || this.#host.ws.readyState !== this.#host.ws.OPEN) {
        this.#queue.length = 0;
        this.#queuedBytes = 0;
        break;
      }
      this.#queuedBytes -= next.bytes;
      const pending = this.#handle(next.data, next.binary);
      if (pending) {
        this.#busy = true;
        void pending.then(() => {
          this.#busy = false;
          this.#drain();
        });
      }
    }
    if (this.#paused && this.#queue.length <= PAUSE_AT / 2) {
      this.#paused = false;
      this.#host.ws.resume();
    }
  }

  /** Handles one frame; returns a promise only while a publish is being stored. */
  #handle(data: RawData, binary: boolean): Promise<void> | undefined {
    if (binary) return this.#publish(null, (peer) => this.#deps.publisher.checkBinary(bytesOf(data), {}, peer));
    const text = textOf(data);
    // The cheap refusals first: nothing that cannot be an object is parsed at all.
    if (!looksLikeObject(text)) return this.#bad('BAD_FRAME', 'frames are JSON objects with a "type"');
    const parsed = parseJsonInput(text, this.#deps.config.maxJsonDepth);
    if (!parsed.ok) return this.#bad('BAD_FRAME', `the frame is ${parsed.reason}`);
    const frame = parsed.value;
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return this.#bad('BAD_FRAME');
    const { type, ...rest } = frame as Record<string, unknown>;
    const id = typeof rest.id === 'string' ? rest.id : null;
    if (type === 'auth') return this.#auth(rest.token);
    if (type !== 'publish') return this.#bad('BAD_FRAME', `unknown frame type ${JSON.stringify(type)}`, id);
    return this.#publish(id, (peer) => this.#deps.publisher.check(rest, peer));
  }

  /**
   * A publish: a `publish` frame (its id is the client's) or a binary frame (the bytes are the
   * message, and the ack's id is null: acks come in the order of the frames).
   */
  #publish(id: string | null, check: (who: { ip: string; bucket: TokenBucket }) => Checked): Promise<void> | undefined {
    const { peer } = this.#host;
    if (!peer.authorized) {
      this.#deps.observer.violation('unauthorized', { transport: 'ws', ip: peer.ip, frame: 'publish' });
      return this.#bad('UNAUTHORIZED', undefined, id);
    }
    peer.bucket ??= new TokenBucket(this.#deps.config.publishRate);
    const checked = check({ ip: peer.ip, bucket: peer.bucket });
    if (!checked.ok) {
      const { code, message } = checked.refusal;
      if (code !== 'RATE_LIMITED') return this.#bad(code, message, id);
      return this.#rateLimited(message, id);
    }
    this.#badStreak = 0;
    this.#rateStreak = 0;
    return this.#deps.publisher.store(checked.input).then(
      ({ message, duplicate }) => {
        this.#host.reply(
          duplicate ? { type: 'ack', id, seq: message.seq, duplicate: true } : { type: 'ack', id, seq: message.seq },
        );
      },
      // A store that is unavailable says so (FEED_UNAVAILABLE, as HTTP's 503); anything else is a bug.
      (err: unknown) =>
        err instanceof PushraceError
          ? this.#error(err.code, err.message, id)
          : this.#error('INTERNAL', ERRORS.INTERNAL.message, id),
    );
  }

  #auth(token: unknown): undefined {
    const { config, observer } = this.#deps;
    const { peer } = this.#host;
    if (config.publishToken === '') return undefined;
    if (tokenMatches(typeof token === 'string' ? token : undefined, config.publishToken)) {
      peer.authorized = true;
      this.#badStreak = 0;
      return undefined;
    }
    observer.violation('unauthorized', { transport: 'ws', ip: peer.ip, frame: 'auth' });
    return this.#bad('UNAUTHORIZED', 'the token is not valid');
  }

  /** A frame that could not be acted on: an error reply, and a strike towards close 1008. */
  #bad(code: ErrorCode, message: string = ERRORS[code].message, id?: string | null): undefined {
    if (++this.#badStreak >= this.#deps.config.wsMaxBadFrames) {
      this.#deps.observer.violation('protocol', { transport: 'ws', ip: this.#host.peer.ip, why: 'bad frames' });
      this.#host.strikeOut('too many bad frames');
      return undefined;
    }
    this.#error(code, message, id);
    return undefined;
  }

  #rateLimited(message: string, id: string | null): undefined {
    this.#error('RATE_LIMITED', message, id);
    if (++this.#rateStreak >= this.#deps.config.wsMaxRateStrikes) {
      this.#deps.observer.violation('rate_limit_close', { transport: 'ws', ip: this.#host.peer.ip });
      this.#host.strikeOut('publish rate limit exceeded repeatedly');
    }
    return undefined;
  }

  #error(code: ErrorCode, message: string, id?: string | null): void {
    this.#host.reply(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id });
  }
}

/** A frame's payload size in bytes. */
function sizeOf(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
}

/** A frame's payload as one byte array. */
function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A text frame's payload as a string (ws has already checked it is UTF-8, else closed 1007). */
function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** Whether `text` starts with `{` and ends with `}` (whitespace aside): the only frames worth parsing. */
function looksLikeObject(text: string): boolean {
  const t = text.trim();
  return t.startsWith('{') && t.endsWith('}');
}
