import type { CapturedFrame, CapturedHead, InspectResponse, TransportCapture } from '../../protocol/control.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { headerSizeOf, parseFrameHeader } from './frame-header.ts';
import type { RequestItem, ResponseItem } from './http-framer.ts';

/**
 * What the wire inspector shows: exact HTTP heads, WebSocket frame headers and raw SSE bytes,
 * taken from the socket meter's own parse (the browser cannot see any of them). Everything is
 * capped: one head per direction, the last `FRAMES_KEPT` frames per direction, the last
 * `STREAM_KEPT` bytes of an event stream, per transport and per inspect tag.
 */

/** Longest head text kept (the byte count stays exact). */
export const HEAD_TEXT_CAP = 4096;
/** Frame headers kept per direction. */
export const FRAMES_KEPT = 10;
/** Bytes of an event stream kept. */
export const STREAM_KEPT = 2048;
/** Payload bytes shown next to a frame header. */
const PREVIEW_BYTES = 80;
/** Distinct inspect tags remembered (oldest forgotten first). */
const TAGS_KEPT = 32;
/** A head carries at most this many bytes before it is cut; the meter's own cap is higher. */
const CARRY_CAP = 64 * 1024;
/** What a page adds to its requests to find its own connections: `inspect=<tag>`. */
const TAG_PARAM = /[?&]inspect=([A-Za-z0-9_-]{1,32})(?:&|$)/;
const CRLF2 = Buffer.from('\r\n\r\n');

type Key = TransportName | 'other';

const emptyCapture = (): TransportCapture => ({ framesIn: [], framesOut: [], stream: '' });

function head(bytes: Buffer): CapturedHead {
  const truncated = bytes.length > HEAD_TEXT_CAP;
  return {
    text: bytes.subarray(0, HEAD_TEXT_CAP).toString('latin1'),
    bytes: bytes.length,
    truncated,
    at: Date.now(),
  };
}

/** The inspect tag in a request head's target, if any. */
export function tagOf(requestHead: string): string | undefined {
  const target = requestHead.slice(0, requestHead.indexOf('\r\n')).split(' ')[1] ?? '';
  return TAG_PARAM.exec(target)?.[1];
}

/**
 * The server-wide store: the latest capture per transport, and per inspect tag. Owned by
 * `Stats` so the meter (which has the stats) can write and `GET /api/inspect` can read.
 */
export class WireLog {
  readonly #latest = new Map<TransportName, TransportCapture>();
  readonly #tagged = new Map<string, Map<TransportName, TransportCapture>>();

  /** Per-socket capture state for the meter; `classify` maps a request to its transport. */
  socket(classify: (method: string, path: string) => Key): SocketCapture {
    return new SocketCapture(this, classify);
  }

  /** Applies `update` to the latest capture of `key`, and to the tag's when there is one. */
  update(key: Key, tag: string | undefined, update: (c: TransportCapture) => void): void {
    if (key === 'other') return;
    const latest = this.#latest.get(key) ?? emptyCapture();
    this.#latest.set(key, latest);
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
    const mine = byTag.get(key) ?? emptyCapture();
    byTag.set(key, mine);
    update(mine);
  }

  /** `GET /api/inspect`: the tag's own capture where it has one, else the latest seen. */
  snapshot(tag?: string): InspectResponse {
    const byTag = tag === undefined ? undefined : this.#tagged.get(tag);
    const entries = TRANSPORT_NAMES.map((name) => {
      const own = byTag?.get(name);
      const latest = this.#latest.get(name);
      const scope: 'tag' | 'latest' | 'none' = own ? 'tag' : latest ? 'latest' : 'none';
      return [name, { ...structuredClone(own ?? latest ?? emptyCapture()), scope }] as const;
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
 * Finds the bytes of each head in a stream that an HTTP framer has split: the framer reports
 * counts, this keeps the bytes of a head that is not complete yet, so offsets line up.
 */
class HeadFinder {
  #carry: Buffer = Buffer.alloc(0);

  /**
   * The heads started in `chunk`, in order of the framer's start events, and `before`: how many
   * bytes of an unfinished head preceded the chunk (the framer's segments count from there).
   */
  scan(
    chunk: Buffer,
    items: readonly (RequestItem | ResponseItem<unknown>)[],
    pendingAfter: number,
  ): { heads: Buffer[]; before: number } {
    const before = this.#carry.length;
    const data = before > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    const heads: Buffer[] = [];
    let pos = 0;
    for (const item of items) {
      if ('part' in item) pos += item.bytes;
      else if (item.event === 'switch') break;
      else {
        let start = pos;
        while (data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;
        const end = data.indexOf(CRLF2, start);
        heads.push(data.subarray(start, end === -1 ? data.length : end + 4));
      }
    }
    const keep = Math.min(pendingAfter, CARRY_CAP, data.length);
    this.#carry = keep > 0 ? Buffer.from(data.subarray(data.length - keep)) : Buffer.alloc(0);
    return { heads, before };
  }
}

/** Reads frame headers out of one direction of a WebSocket stream, chunk by chunk. */
class FrameFinder {
  #header: number[] = [];
  #remaining = 0;
  #preview: number[] = [];
  #current: CapturedFrame | undefined;

  /** Feeds bytes; calls `done` with each frame once its preview is complete or its payload ends. */
  push(chunk: Buffer, done: (f: CapturedFrame) => void): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - pos);
        const want = Math.min(take, PREVIEW_BYTES - this.#preview.length);
        for (let i = 0; i < want; i++) this.#preview.push(chunk[pos + i] ?? 0);
        this.#remaining -= take;
        pos += take;
        if (this.#remaining === 0) this.#finish(done);
        continue;
      }
      this.#header.push(chunk[pos++] ?? 0);
      const b1 = this.#header[1];
      if (b1 === undefined || this.#header.length < headerSizeOf(b1)) continue;
      const h = parseFrameHeader(this.#header);
      this.#header = [];
      if (!h) continue;
      this.#current = { ...h, at: Date.now(), preview: '' };
      this.#remaining = h.payloadLength;
      if (this.#remaining === 0) this.#finish(done);
    }
  }

  #finish(done: (f: CapturedFrame) => void): void {
    const frame = this.#current;
    if (!frame) return;
    let bytes = this.#preview;
    if (frame.masked) {
      const key = frame.bytes.slice(frame.size - 4);
      bytes = bytes.map((b, i) => b ^ (key[i % 4] ?? 0));
    }
    frame.preview = Buffer.from(bytes).toString('utf8');
    this.#preview = [];
    this.#current = undefined;
    done(frame);
  }
}

const keepLast = <T>(xs: T[], x: T, n: number) => {
  xs.push(x);
  if (xs.length > n) xs.splice(0, xs.length - n);
};

/**
 * The capture state of one socket, fed by the socket meter with the same chunks and framer
 * items it counts, so the inspector shows exactly the bytes that were counted.
 */
export class SocketCapture {
  readonly #log: WireLog;
  readonly #classify: (method: string, path: string) => Key;
  readonly #reqHeads = new HeadFinder();
  readonly #resHeads = new HeadFinder();
  /** Requests not answered yet, oldest first: where their responses belong. */
  readonly #waiting: { key: Key; tag: string | undefined }[] = [];
  /** Where the socket's bytes belong once it streams (SSE body, WebSocket frames). */
  #streamKey: Key = 'other';
  #streamTag: string | undefined;
  #sse = false;
  readonly #framesIn = new FrameFinder();
  readonly #framesOut = new FrameFinder();

  constructor(log: WireLog, classify: (method: string, path: string) => Key) {
    this.#log = log;
    this.#classify = classify;
  }

  /** A chunk read in HTTP mode, with the request framer's items and its pending head bytes. */
  requestChunk(chunk: Buffer, items: readonly RequestItem[], pending: number): void {
    const { heads } = this.#reqHeads.scan(chunk, items, pending);
    let n = 0;
    for (const item of items) {
      if ('part' in item || item.event !== 'request') continue;
      const bytes = heads[n++];
      const key = this.#classify(item.method, item.path);
      const tag = bytes ? tagOf(bytes.toString('latin1', 0, Math.min(bytes.length, 2048))) : undefined;
      this.#waiting.push({ key, tag });
      if (bytes) this.#log.update(key, tag, (c) => (c.request = head(bytes)));
    }
  }

  /** A chunk written in HTTP mode, with the response framer's items and its pending head bytes. */
  responseChunk(chunk: Buffer, items: readonly ResponseItem<unknown>[], pending: number): void {
    const { heads, before } = this.#resHeads.scan(chunk, items, pending);
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
      const bytes = heads[n++];
      // Interim 1xx heads (but 101) answer nothing yet; the final one takes the request.
      const final = item.status >= 200 || item.status === 101;
      const req = final ? this.#waiting.shift() : this.#waiting[0];
      const key = req?.key ?? 'other';
      this.#streamKey = key;
      this.#streamTag = req?.tag;
      this.#sse = item.isEventStream;
      skip = bytes?.length ?? 0;
      if (this.#sse) this.#log.update(key, req?.tag, (c) => (c.stream = ''));
      if (bytes) this.#log.update(key, req?.tag, (c) => (c.response = head(bytes)));
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
    const finder = direction === 'in' ? this.#framesIn : this.#framesOut;
    finder.push(chunk, (frame) =>
      this.#log.update(this.#streamKey, this.#streamTag, (c) =>
        keepLast(direction === 'in' ? c.framesIn : c.framesOut, frame, FRAMES_KEPT),
      ),
    );
  }
}
