import type { CapturedFrame, CapturedHead, InspectResponse, TransportCapture } from '../../protocol/control.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { describePayload, parseFrameHeader } from '../../protocol/ws-frame.ts';
import type { ResponseItem } from '../metering/http-framer.ts';
import type { FrameObserver } from '../metering/ws-framer.ts';
import { redactHead, redactPreview } from './redact.ts';

/**
 * What the wire inspector shows: exact HTTP heads, WebSocket frame headers and raw SSE bytes
 * of a page's own connections, taken from the socket meter's parse (the browser cannot see
 * any of them). A page marks its connections with `inspect=<tag>`, a random id of its own;
 * the capture of a tag is kept for the address that first used it and shown to that address
 * only, so a client sees its own connections and nobody else's. Credentials are redacted
 * before anything is stored. Everything is capped: one head per direction, the last
 * `FRAMES_KEPT` frames per direction, the last `STREAM_KEPT` bytes of an event stream, per
 * transport, for the `TAGS_KEPT` most recent tags. Connections without a tag cost nothing.
 */

/** Longest head text kept (the byte count stays exact). */
export const HEAD_TEXT_CAP = 4096;
/** Bytes of an event stream kept. */
export const STREAM_KEPT = 2048;
/** Payload bytes shown next to a frame header. */
export const PREVIEW_BYTES = 80;
/** Frame headers kept per direction. */
export const FRAMES_KEPT = 10;
/** Distinct inspect tags remembered (oldest forgotten first). */
const TAGS_KEPT = 32;

/** An inspect tag: random, long enough not to be guessed (a page makes 12 characters, 72 bits). */
export const INSPECT_TAG = /^[A-Za-z0-9_-]{12,64}$/;
/** `inspect=<tag>` in a request target. */
const TAG_PARAM = /[?&]inspect=([A-Za-z0-9_-]{12,64})(?:[&#\s]|$)/;

/** The inspect tag in a request target, if it carries a valid one. */
export function tagOf(target: string): string | undefined {
  if (!target.includes('inspect=')) return undefined; // the usual case, without a regex
  return TAG_PARAM.exec(target)?.[1];
}

/** One frame as seen on the socket, undecoded until asked for. Never changed once stored. */
export interface FrameRecord {
  /** Server time the frame was complete, ms since the Unix epoch. */
  at: number;
  /** The 2–14 header bytes, mask key included. */
  header: number[];
  /** The first payload bytes as sent (still masked if the frame is). */
  preview: Uint8Array;
}

/** The inspector's view of a record: the decoded header and the payload preview, unmasked and redacted. */
export function decodeFrame(record: FrameRecord): CapturedFrame | undefined {
  const h = parseFrameHeader(record.header);
  if (!h) return undefined;
  const payload = Uint8Array.from(record.preview);
  if (h.masked) {
    const key = h.bytes.slice(h.size - 4);
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (key[i % 4] ?? 0);
  }
  return { ...h, at: record.at, preview: redactPreview(describePayload(h.opcode, payload)) };
}

/** The last `FRAMES_KEPT` records of one direction. */
class FrameRing {
  #records: FrameRecord[] = [];

  add(record: FrameRecord): void {
    this.#records.push(record);
    if (this.#records.length > FRAMES_KEPT) this.#records.shift();
  }

  /** The kept frames, decoded, oldest first. */
  list(): CapturedFrame[] {
    const out: CapturedFrame[] = [];
    for (const record of this.#records) {
      const frame = decodeFrame(record);
      if (frame) out.push(frame);
    }
    return out;
  }
}

/** One transport's capture for one tag. */
class Capture {
  request: CapturedHead | undefined;
  response: CapturedHead | undefined;
  readonly framesIn = new FrameRing();
  readonly framesOut = new FrameRing();
  stream = '';

  view(): TransportCapture {
    const out: TransportCapture = {
      framesIn: this.framesIn.list(),
      framesOut: this.framesOut.list(),
      stream: this.stream,
    };
    if (this.request) out.request = { ...this.request };
    if (this.response) out.response = { ...this.response };
    return out;
  }
}

function head(text: string): CapturedHead {
  const shown = redactHead(text.length > HEAD_TEXT_CAP ? text.slice(0, HEAD_TEXT_CAP) : text);
  return { text: shown, bytes: text.length, truncated: text.length > HEAD_TEXT_CAP, at: Date.now() };
}

/** The captures of one tag, and the address they belong to. */
interface TagEntry {
  readonly ip: string;
  readonly captures: Map<TransportName, Capture>;
}

/** The server-wide store of captures, by tag. Owned by `Stats`, written by the meter, read by `GET /api/inspect`. */
export class WireLog {
  readonly #tags = new Map<string, TagEntry>();

  /**
   * The capture of `key` under `tag`, for a connection from `ip`; undefined when the tag was
   * first used from another address (it is not this connection's to write into).
   */
  capture(tag: string, ip: string, key: TransportName): Capture | undefined {
    let entry = this.#tags.get(tag);
    if (!entry) {
      if (this.#tags.size >= TAGS_KEPT) {
        const oldest = this.#tags.keys().next().value;
        if (oldest !== undefined) this.#tags.delete(oldest);
      }
      entry = { ip, captures: new Map() };
      this.#tags.set(tag, entry);
    }
    if (entry.ip !== ip) return undefined;
    let capture = entry.captures.get(key);
    if (!capture) {
      capture = new Capture();
      entry.captures.set(key, capture);
    }
    return capture;
  }

  /** `GET /api/inspect?tag=`: the tag's captures, when asked from the address that made them. */
  snapshot(tag: string, ip: string): InspectResponse {
    const entry = this.#tags.get(tag);
    const mine = entry?.ip === ip ? entry : undefined;
    const transports = Object.fromEntries(
      TRANSPORT_NAMES.map((name) => {
        const c = mine?.captures.get(name);
        return [name, c ? { ...c.view(), scope: 'tag' as const } : { ...new Capture().view(), scope: 'none' as const }];
      }),
    );
    return { transports: transports as InspectResponse['transports'] };
  }

  /** Forgets everything (with `POST /api/stats/clear`). */
  clear(): void {
    this.#tags.clear();
  }
}

/** A request the meter saw, as the inspector needs it: its bucket and tag. */
export interface InspectedRequest {
  key: TransportName | 'other';
  inspect: string | undefined;
}

/**
 * The inspector's view of one socket, created by the meter at the socket's first tagged
 * request and fed from the meter's own parse: request and response start events with the
 * texts of their heads, the written chunks of an event stream, and the frames of its
 * WebSocket framers. It keeps no request queue of its own: each response event carries the
 * request it answers (the response framer's tag).
 */
export class SocketInspector {
  readonly #log: WireLog;
  readonly #ip: string;
  /** The capture an event-stream body being written goes to. */
  #stream: Capture | undefined;

  constructor(log: WireLog, ip: string) {
    this.#log = log;
    this.#ip = ip;
  }

  #capture(req: InspectedRequest | undefined): Capture | undefined {
    if (!req || req.inspect === undefined || req.key === 'other') return undefined;
    return this.#log.capture(req.inspect, this.#ip, req.key);
  }

  /** A request head was read. */
  request(req: InspectedRequest, text: string): void {
    const c = this.#capture(req);
    if (c) c.request = head(text);
  }

  /**
   * A chunk written in HTTP mode: the response framer's items for it, the texts of the heads
   * it completed, and `before`, the bytes of an unfinished head that preceded the chunk (the
   * items count from there). Response heads are captured under the request they answer; an
   * event stream's body bytes (chunk framing included) are kept, last `STREAM_KEPT`.
   */
  responseChunk(
    chunk: Uint8Array,
    items: readonly ResponseItem<InspectedRequest>[],
    heads: readonly string[],
    before: number,
  ): void {
    let n = 0;
    /** Where the next segment starts in `chunk` (negative: in a head begun earlier). */
    let pos = -before;
    /** Bytes of a head still to pass before the body starts. */
    let skip = 0;
    for (const item of items) {
      if ('part' in item) {
        const passed = Math.min(skip, item.bytes);
        skip -= passed;
        if (this.#stream && item.bytes > passed) this.#body(chunk, pos + passed, pos + item.bytes);
        pos += item.bytes;
        continue;
      }
      if (item.event !== 'response') break;
      const text = heads[n++] ?? '';
      skip = text.length;
      const c = this.#capture(item.tag);
      this.#stream = item.isEventStream ? c : undefined;
      if (!c) continue;
      c.response = head(text);
      if (item.isEventStream) c.stream = '';
    }
  }

  #body(chunk: Uint8Array, from: number, to: number): void {
    const c = this.#stream;
    const start = Math.max(0, from);
    const end = Math.min(chunk.length, to);
    if (!c || end <= start) return;
    const all = c.stream + Buffer.from(chunk.buffer, chunk.byteOffset + start, end - start).toString('utf8');
    c.stream = all.length > STREAM_KEPT ? all.slice(all.length - STREAM_KEPT) : all;
  }

  /** The frame observer of one direction of an upgraded connection made by `req`, if it is inspected. */
  frames(req: InspectedRequest, direction: 'in' | 'out'): FrameObserver | undefined {
    const c = this.#capture(req);
    if (!c) return undefined;
    const ring = direction === 'in' ? c.framesIn : c.framesOut;
    return {
      previewBytes: PREVIEW_BYTES,
      frame: (header, preview) => ring.add({ at: Date.now(), header, preview }),
    };
  }
}
