import type { ByteSplit } from '../../protocol/wire.ts';

/** engine.io v4's packet separator in a polling body (ASCII record separator). */
const SEPARATOR = 0x1e;
const MESSAGE = 0x34; // '4': an engine.io message packet
const EVENT = 0x32; // '2': a socket.io EVENT packet inside it
const OPEN = 0x5b; // '['
const QUOTE = 0x22; // '"'
const COMMA = 0x2c; // ','

// Where the splitter is within a packet.
/** At a packet's first byte: an engine.io type. */
const S_ENGINE = 0;
/** After `4`: a socket.io type. */
const S_SOCKET = 1;
/** After `42`: an ack id's digits, or the `[` of the arguments. */
const S_ID = 2;
/** After `42[`: the quote that opens the event name. */
const S_QUOTE = 3;
/** Inside the event name. */
const S_NAME = 4;
/** After the event name: `,` (arguments follow) or `]` (none). */
const S_COMMA = 5;
/** Inside the arguments: payload, but for the packet's last byte, the `]`. */
const S_ARGS = 6;
/** Any other packet (handshake, ping, pong, CONNECT, acks, noop, upgrade): all framing. */
const S_OTHER = 7;

/**
 * Splits the packets of engine.io v4 carrying socket.io 4 into the two parts the meter counts
 * (docs/protocol.md, "socket.io"): an event's arguments are payload (for `message`, exactly the
 * feed's envelope); everything else is header: the packet types `4` and `2`, an ack id, the
 * `["message",` that names the event, its closing `]`, the separators between packets, and
 * every packet that is not an event (the `0{…}` handshake, pings `2` and pongs `3`, the
 * `40{…}` CONNECT with its auth, upgrade probes, acks).
 *
 * Fed one record at a time, where a record is a WebSocket frame's payload (one packet) or a
 * polling body (packets separated by 0x1E), in pieces that may end anywhere. The arguments'
 * last byte is known by the record's end or by the separator after it; when a piece ends right
 * before a separator, that one byte is held back and counted with the next piece (or `flush`).
 * Never throws, buffers nothing, and counts every byte once.
 */
export class EioSplitter {
  #state = S_ENGINE;
  /** Bytes of the current record not seen yet (Infinity: ends when told, by `flush`). */
  #left = 0;
  /** 1 when the previous piece's last byte (inside arguments) is still uncounted. */
  #owed = 0;

  /** A new record of `length` bytes (Infinity when its end is not known in advance). */
  begin(length: number): void {
    this.#left = length;
    this.#state = S_ENGINE;
  }

  /**
   * The record ended early (the stream closed, or a body of unknown length ended): returns the
   * byte held back, if any, for the caller to count as header (it was the last of its packet).
   */
  flush(): number {
    const n = this.#owed;
    this.#owed = 0;
    this.#state = S_ENGINE;
    return n;
  }

  /** Counts `chunk[start, end)`, the next bytes of the record, into `into`. */
  push(chunk: Uint8Array, start: number, end: number, into: ByteSplit): void {
    let pos = start;
    if (this.#owed > 0 && pos < end) {
      // The byte held back was the packet's last exactly when a separator follows it.
      if (chunk[pos] === SEPARATOR) into.header++;
      else into.payload++;
      this.#owed = 0;
    }
    while (pos < end) {
      if (this.#state === S_ARGS) {
        pos = this.#args(chunk, pos, end, into);
        continue;
      }
      const byte = chunk[pos] ?? 0;
      if (byte === SEPARATOR) {
        into.header++;
        this.#consume(1);
        pos++;
        this.#state = S_ENGINE;
        continue;
      }
      if (this.#state === S_OTHER) {
        const sep = chunk.indexOf(SEPARATOR, pos);
        const stop = sep === -1 || sep >= end ? end : sep;
        into.header += stop - pos;
        this.#consume(stop - pos);
        pos = stop;
        continue;
      }
      into.header++;
      this.#consume(1);
      pos++;
      this.#state = this.#next(this.#state, byte);
    }
  }

  /** The state after one framing byte. */
  #next(state: number, byte: number): number {
    switch (state) {
      case S_ENGINE:
        return byte === MESSAGE ? S_SOCKET : S_OTHER;
      case S_SOCKET:
        return byte === EVENT ? S_ID : S_OTHER;
      case S_ID:
        if (byte === OPEN) return S_QUOTE;
        return byte >= 0x30 && byte <= 0x39 ? S_ID : S_OTHER;
      case S_QUOTE:
        return byte === QUOTE ? S_NAME : S_OTHER;
      case S_NAME:
        return byte === QUOTE ? S_COMMA : S_NAME;
      case S_COMMA:
        // `,`: arguments follow, unless the record ends here; `]`: none (all framing).
        return byte === COMMA && this.#left > 0 ? S_ARGS : S_OTHER;
      default:
        return S_OTHER;
    }
  }

  /** Inside arguments: payload up to the packet's last byte, which is header. Returns the new position. */
  #args(chunk: Uint8Array, pos: number, end: number, into: ByteSplit): number {
    const sep = chunk.indexOf(SEPARATOR, pos);
    const stop = sep === -1 || sep >= end ? end : sep;
    const n = stop - pos;
    const endsRecord = n >= this.#left;
    if (sep !== -1 && sep < end) {
      // The packet ends before the separator: its last byte (the `]`) is framing. With none
      // before it in this piece, that byte was the one held back, counted already. The
      // separator itself is counted by `push`.
      if (n > 0) {
        into.payload += n - 1;
        into.header++;
      }
      this.#consume(n);
      this.#state = S_ENGINE;
      return stop;
    }
    if (endsRecord) {
      const take = this.#left;
      into.payload += take - 1;
      into.header++;
      this.#consume(take);
      this.#state = S_ENGINE;
      return pos + take;
    }
    // The piece ends inside the arguments: its last byte may be the packet's last.
    if (n > 0) {
      into.payload += n - 1;
      this.#owed = 1;
    }
    this.#consume(n);
    return stop;
  }

  #consume(n: number): void {
    this.#left -= n;
  }
}
