import { type Server as HttpServer, METHODS, maxHeaderSize } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Stats } from '../observe/stats.ts';
import { HeadMemo } from './head-memo.ts';
import { DEFAULT_MAX_HEAD_SIZE } from './http1-framer.ts';
import { type Classify, carriesEngineIo, type MeterOptions } from './meter-keys.ts';
import { SocketMeter } from './socket-meter.ts';

/** A running meter, as returned by `meterServer`. */
export interface ServerMeter {
  /** Sockets being metered right now. */
  readonly sockets: number;
  /** Stops metering: no new sockets, and the open ones are let go (their counts stay as they are). */
  stop(): void;
}

/** The servers the meter can tap: HTTP, or HTTPS through its plaintext sockets (see `meterServer`). */
type MeteredServer = HttpServer | HttpsServer;

/**
 * Meters every socket of `server`, byte-exact: request and response heads, chunk framing,
 * WebSocket frame headers and SSE field syntax are counted as header, bodies / frame payloads /
 * `data` values as payload, each in the bucket of the request they belong to (`classify`). The
 * meter also owns `requests` and the `connections` gauges. For each socket, at close, the sum
 * over all buckets equals `socket.bytesRead` in and `socket.bytesWritten` out.
 *
 * How: from a 'connection' listener that runs after Node's own, each read is seen before Node
 * acts on it, so a request is known before any answer to it is written: through Node's C++
 * parser itself while it consumes the socket (parser-tap.ts: the first parser callback of a
 * read hands the read's bytes over), else — TLS, or once something takes the socket back from
 * the parser (an upgrade, a 'data' listener) — from a prepended 'data' listener. Bytes that ws
 * puts back with `socket.unshift(head)` come through 'data' a second time and are skipped. The socket's
 * `write` and `end` are wrapped to see every byte sent. At close, bytes read but never
 * delivered are parsed too, and bytes counted but discarded unsent (a peer gone with data
 * still queued) are taken back, so the totals match the socket's own.
 *
 * For HTTPS, meter the plaintext `TLSSocket`: pass `'secureConnection'` as `connectionEvent`
 * (the 'connection' sockets of a TLS server carry ciphertext, which is not HTTP).
 */
export function meterServer(
  server: MeteredServer,
  stats: Stats,
  classify: Classify,
  connectionEvent: 'connection' | 'secureConnection' = 'connection',
): ServerMeter {
  const live = new Set<SocketMeter>();
  // Never refuse a head Node accepts: at least Node's limit (a server option, untyped, or the global).
  const option: unknown = Reflect.get(server, 'maxHeaderSize');
  const maxHeadSize = Math.max(DEFAULT_MAX_HEAD_SIZE, maxHeaderSize, typeof option === 'number' ? option : 0);
  // Node hands a connection over after CONNECT always, after an upgrade request only when
  // someone listens for 'upgrade'; otherwise the request is answered like any other.
  const upgradeTakesOver = (method: string) => method === 'CONNECT' || server.listenerCount('upgrade') > 0;
  // One memo of parsed heads per direction for the whole server: clients repeat their heads.
  const options: MeterOptions = {
    maxHeadSize,
    upgradeTakesOver,
    methods: new Set(METHODS),
    requestHeads: new HeadMemo(),
    responseHeads: new HeadMemo(),
    engineIo: (path) => carriesEngineIo(stats.endpointAt(path)),
  };
  // The meter joins `live` and leaves it at close: no closure per socket.
  const onConnection = (socket: Socket) => new SocketMeter(socket, stats, classify, options, live);
  server.on(connectionEvent, onConnection);
  return {
    get sockets() {
      return live.size;
    },
    stop() {
      server.off(connectionEvent, onConnection);
      for (const meter of live) meter.detach();
      live.clear();
    },
  };
}
