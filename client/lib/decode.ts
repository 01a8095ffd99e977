import {
  BINARY_FRAME_SEPARATOR,
  type FeedMessage,
  type Hello,
  type ReadResponse,
  type Source,
} from '../../protocol/wire.ts';
import { bytesToBase64 } from './base64.ts';

/**
 * Decoding of what the server sends, checked just enough that a malformed answer becomes an
 * Error for `handlers.error` instead of a TypeError deep in a transport or the caller.
 */

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isSeq = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`pushrace: ${what} is not JSON: ${text.slice(0, 80)}`);
  }
}

/**
 * A feed message, rebuilt with exactly its four fields (a WS frame's `type` is left behind),
 * so every transport hands the caller the same object shape.
 */
export function asFeedMessage(x: unknown, what = 'message'): FeedMessage {
  if (isObj(x) && isSeq(x.seq) && typeof x.ts === 'number' && typeof x.source === 'string' && 'body' in x) {
    const m: FeedMessage = { seq: x.seq, ts: x.ts, source: x.source as Source, body: x.body };
    if (x.encoding === 'base64' && typeof x.body === 'string') m.encoding = 'base64';
    return m;
  }
  throw new Error(`pushrace: malformed ${what}: ${JSON.stringify(x)?.slice(0, 80)}`);
}

/** The start of a stream (SSE hello/reset data, the WS hello frame minus its type). */
export function asHello(x: unknown, what = 'hello'): Hello {
  if (isObj(x) && typeof x.epoch === 'string' && isSeq(x.cursor)) {
    const hello: Hello = { epoch: x.epoch, cursor: x.cursor };
    if (x.reset === true) hello.reset = true;
    if (typeof x.instance === 'string') hello.instance = x.instance;
    return hello;
  }
  throw new Error(`pushrace: malformed ${what}: ${JSON.stringify(x)?.slice(0, 80)}`);
}

/** The body of a poll or long-poll 200. */
export function decodeReadResponse(text: string): ReadResponse {
  const x = parseJson(text, 'read answer');
  if (!isObj(x) || !Array.isArray(x.messages)) throw new Error(`pushrace: malformed read answer: ${text.slice(0, 80)}`);
  const { instance: _, ...hello } = asHello(x, 'read answer');
  const messages = x.messages.map((m) => asFeedMessage(m));
  return hello.reset ? { ...hello, messages, reset: true } : { epoch: hello.epoch, cursor: hello.cursor, messages };
}

/** SSE `data:` of a message event, or of a hello/reset event. */
export function decodeSseData<T>(text: string, as: (x: unknown, what?: string) => T, what: string): T {
  return as(parseJson(text, what), what);
}

/**
 * A WS frame from the server, decoded into what the client acts on. An ack or error's `id` is
 * the publish's (null: a binary publish, which has none; absent: the frame answered no publish).
 */
export type DecodedFrame =
  | { type: 'hello'; hello: Hello }
  | { type: 'message'; message: FeedMessage }
  | { type: 'ack'; id: string | null | undefined; seq: number; duplicate: boolean }
  | { type: 'error'; code: string; message: string; id: string | null | undefined };

/**
 * A binary message frame (`protocol/wire.ts`, BINARY_FRAME_SEPARATOR): the JSON envelope, a
 * newline, the raw bytes; decoded into the same FeedMessage the other transports deliver
 * (body in base64, `encoding: "base64"`).
 */
export function decodeBinaryFrame(bytes: Uint8Array): FeedMessage {
  const cut = bytes.indexOf(BINARY_FRAME_SEPARATOR);
  if (cut < 0) throw new Error('pushrace: a binary frame without its envelope');
  const envelope = parseJson(new TextDecoder().decode(bytes.subarray(0, cut)), 'binary frame envelope');
  if (!isObj(envelope) || envelope.type !== 'message' || envelope.encoding !== 'binary') {
    throw new Error(`pushrace: malformed binary frame envelope: ${JSON.stringify(envelope)?.slice(0, 80)}`);
  }
  const m = asFeedMessage({ ...envelope, body: bytesToBase64(bytes.subarray(cut + 1)) }, 'binary frame');
  m.encoding = 'base64';
  return m;
}

/** One WS text frame from the server. */
export function decodeServerFrame(text: string): DecodedFrame {
  const x = parseJson(text, 'frame');
  if (!isObj(x)) throw new Error(`pushrace: malformed frame: ${text.slice(0, 80)}`);
  const id = !('id' in x) ? undefined : typeof x.id === 'string' ? x.id : null;
  switch (x.type) {
    case 'hello':
      return { type: 'hello', hello: asHello(x) };
    case 'message':
      return { type: 'message', message: asFeedMessage(x, 'message frame') };
    case 'ack':
      if (isSeq(x.seq)) return { type: 'ack', id, seq: x.seq, duplicate: x.duplicate === true };
      break;
    case 'error':
      if (typeof x.code === 'string' && typeof x.message === 'string') {
        return { type: 'error', code: x.code, message: x.message, id };
      }
      break;
  }
  throw new Error(`pushrace: unknown or malformed frame: ${text.slice(0, 80)}`);
}
