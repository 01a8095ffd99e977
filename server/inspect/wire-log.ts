import type { CapturedHead, InspectResponse, TransportCapture } from '../../protocol/control.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { RequestItem, ResponseItem } from '../metering/http-framer.ts';
import { FrameFinder, type FrameRecord, FrameRing, type FrameSink } from './frame-capture.ts';

/**
 * What the wire inspector shows: exact HTTP heads, WebSocket frame headers and raw SSE bytes,
 * taken from the socket meter's own parse (the browser cannot see any of them). Everything is
 * capped: one head per direction, the last `FRAMES_KEPT` frames per direction, the last
 * `STREAM_KEPT` bytes of an event stream, per transport and per inspect tag.
 */

/** Longest head text kept (the byte count stays exact). */
export const HEAD_TEXT_CAP = 4096;
/** Bytes of an event stream kept. */
export const STREAM_KEPT = 2048;
/** Distinct inspect tags remembered (oldest forgotten first). */
const TAGS_KEPT = 32;
/** Characters of a request head searched for its inspect tag. */
const TAG_SEARCH = 2048;
/** What a page adds to its requests to find its own connections: `inspect=<tag>`. */
const TAG_PARAM = /[?&]inspect=([A-Za-z0-9_-]{1,32})(?:&|$)/;

type Key = TransportName | 'other';

/** One transport's capture as kept: frames stay raw until asked for (see frame-capture.ts). */
interface Capture {
  request?: CapturedHead;
  response?: CapturedHead;
  framesIn: FrameRing;
  framesOut: FrameRing;
  stream: string;
}

const emptyCapture = (): Capture => ({ framesIn: new FrameRing(), framesOut: new FrameRing(), stream: '' });

function head(text: string): CapturedHead {
  const truncated = text.length > HEAD_TEXT_CAP;
  return {
    text: truncated ? text.slice(0, HEAD_TEXT_CAP) : text,
    bytes: text.length,
    truncated,
    at: Date.now(),
  };
}

/** The inspect tag in a request head's target, if any. */
export function tagOf(requestHead: string): string | undefined {
  const line = requestHead.slice(0, requestHead.indexOf('\r\n'));
  if (!line.includes('inspect=')) return undefined; // the usual case, without a split and a regex
  const target = line.split(' ')[1] ?? '';
  return TAG_PARAM.exec(target)?.[1];
}

/** The wire shape of a capture, decoded now. */
function view(c: Capture | undefined): TransportCapture {
  if (!c) return { framesIn: [], framesOut: [], stream: '' };
  const out: TransportCapture = { framesIn: c.framesIn.list(), framesOut: c.framesOut.list(), stream: c.stream };
  if (c.request) out.request = { ...c.request };
  if (c.response) out.response = { ...c.response };
  return out;
}

/**
 * The server-wide store: the latest capture per transport, and per inspect tag. Owned by
 * `Stats` so the meter (which has the stats) can write and `GET /api/inspect` can read.
 */
export class WireLog {
  readonly #latest = new Map<TransportName, Capture>();
  readonly #tagged = new Map<string, Map<TransportName, Capture>>();

  /** Per-socket capture state for the meter; `classify` maps a request to its transport. */
  socket(classify: (method: string, path: string) => Key): SocketCapture {
    return new SocketCapture(this, classify);
  }

  /** Applies `update` to the latest capture of `key`, and to the tag's when there is one. */
  update(key: Key, tag: string | undefined, update: (c: Capture) => void): void {
    if (key === 'other') return;
    let latest = this.#latest.get(key);
    if (!latest) {
      latest = emptyCapture();
      this.#latest.set(key, latest);
    }
    update(latest);
    if (tag === undefined) return;
    let byTag = this.#tagged.get(tag);
    if (!byTag) {
      if (this.#tagged.size >= TAGS_KEPT) {
        const oldest = this.#tagged.keys().next().value;
        if (oldest !== undefined) this.#tagged.delete(oldest);
      }
      byTag = new Map();
      this.#tagged.set(tag, byTag);
    }
    let mine = byTag.get(key);
    if (!mine) {
      mine = emptyCapture();
      byTag.set(key, mine);
    }
    update(mine);
  }

  /** A frame seen on a socket of `key`: the newest of its direction (records are shared, never changed). */
  frame(key: Key, tag: string | undefined, direction: 'in' | 'out', record: FrameRecord): void {
    if (key === 'other') return;
    const latest = tag === undefined ? this.#latest.get(key) : undefined;
    if (latest) {
      // The fan-out path: no closure, no lookup beyond the one above.
      (direction === 'in' ? latest.framesIn : latest.framesOut).add(record);
      return;
    }
    this.update(key, tag, (c) => (direction === 'in' ? c.framesIn : c.framesOut).add(record));
  }

  /** `GET /api/inspect`: the tag's own capture where it has one, else the latest seen. */
  snapshot(tag?: string): InspectResponse {
    const byTag = tag === undefined ? undefined : this.#tagged.get(tag);
    const entries = TRANSPORT_NAMES.map((name) => {
      const own = byTag?.get(name);
      const latest = this.#latest.get(name);
      const scope: 'tag' | 'latest' | 'none' = own ? 'tag' : latest ? 'latest' : 'none';
      return [name, { ...view(own ?? latest), scope }] as const;
    });
    return { transports: Object.fromEntries(entries) as InspectResponse['transports'] };
  }

  /** Forgets everything (with `POST /api/stats/clear`). */
  clear(): void {
    this.#latest.clear();
    this.#tagged.clear();
  }
}

/**
 * The capture state of one socket, fed by the socket meter with the same chunks, framer
 * items and head texts it counts, so the inspector shows exactly the bytes that were counted.
 */
export class SocketCapture implements FrameSink {
  readonly #log: WireLog;
  readonly #classify: (method: string, path: string) => Key;
  /** Requests not answered yet, oldest first: where their responses belong. */
  readonly #waiting: { key: Key; tag: string | undefined }[] = [];
  /** Where the socket's bytes belong once it streams (SSE body, WebSocket frames). */
  #streamKey: Key = 'other';
  #streamTag: string | undefined;
  #sse = false;
  #framesIn: FrameFinder | undefined;
  #framesOut: FrameFinder | undefined;

  constructor(log: WireLog, classify: (method: string, path: string) => Key) {
    this.#log = log;
    this.#classify = classify;
  }

  /** A chunk read in HTTP mode: the request framer's items and the texts of the heads completed. */
  requestChunk(items: readonly RequestItem[], heads: readonly string[]): void {
    let n = 0;
    for (const item of items) {
      if ('part' in item || item.event !== 'request') continue;
      const text = heads[n++];
      const key = this.#classify(item.method, item.path);
      const tag = text === undefined ? undefined : tagOf(text.length > TAG_SEARCH ? text.slice(0, TAG_SEARCH) : text);
      this.#waiting.push({ key, tag });
      if (text !== undefined) this.#log.update(key, tag, (c) => (c.request = head(text)));
    }
  }

  /**
   * A chunk written in HTTP mode: the response framer's items, the texts of the heads
   * completed, and `before`, the bytes of an unfinished head that preceded the chunk (the
   * framer's segments count from there).
   */
  responseChunk(
    chunk: Buffer,
    items: readonly ResponseItem<unknown>[],
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
        if (this.#sse && item.bytes > passed) this.#streamBytes(chunk, pos + passed, item.bytes - passed);
        pos += item.bytes;
        continue;
      }
      if (item.event !== 'response') break;
      const text = heads[n++];
      // Interim 1xx heads (but 101) answer nothing yet; the final one takes the request.
      const final = item.status >= 200 || item.status === 101;
      const req = final ? this.#waiting.shift() : this.#waiting[0];
      const key = req?.key ?? 'other';
      this.#streamKey = key;
      this.#streamTag = req?.tag;
      this.#sse = item.isEventStream;
      skip = text?.length ?? 0;
      if (this.#sse) this.#log.update(key, req?.tag, (c) => (c.stream = ''));
      if (text !== undefined) this.#log.update(key, req?.tag, (c) => (c.response = head(text)));
    }
  }

  /** Bytes of an event-stream body as written (chunk framing included), kept last-N. */
  #streamBytes(chunk: Buffer, pos: number, n: number): void {
    const start = Math.max(0, Math.min(pos, chunk.length));
    const text = chunk.toString('utf8', start, Math.min(chunk.length, pos + n));
    this.#log.update(this.#streamKey, this.#streamTag, (c) => {
      const all = c.stream + text;
      c.stream = all.length > STREAM_KEPT ? all.slice(all.length - STREAM_KEPT) : all;
    });
  }

  /** WebSocket bytes after the upgrade, in one direction. */
  frames(direction: 'in' | 'out', chunk: Buffer): void {
    if (direction === 'in') {
      this.#framesIn ??= new FrameFinder('in', true, this);
      this.#framesIn.push(chunk);
    } else {
      this.#framesOut ??= new FrameFinder('out', false, this);
      this.#framesOut.push(chunk);
    }
  }

  /** A complete frame from one of this socket's finders. */
  recordFrame(direction: 'in' | 'out', record: FrameRecord): void {
    this.#log.frame(this.#streamKey, this.#streamTag, direction, record);
  }
}
