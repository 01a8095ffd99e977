/**
 * The shape every server of the peers scenario has (pushrace and each floor, one file each,
 * like engine.io's transports): started in its own pinned process by server-child.ts, which
 * publishes into it when the harness says so over IPC. Publishing that way costs every server
 * the same (one IPC message per publish, read by Node's own channel), so no server pays for an
 * HTTP publish route the others do not have. The floors share `FloorFeed`: the few lines of
 * history and listeners any of them would write, and one JSON string per message.
 */
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running server as the child process drives it. */
export interface PeerServer {
  /** The port it listens on (the host is the harness's). */
  readonly port: number;
  /** The seq of the newest message: where a client that connects now starts. */
  head(): number;
  /** Publishes one message whose body is `{ n }`, as its own code would on a real publish. */
  publish(n: number): void;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** A server file's one export: start listening on `host`, any free port. */
export type StartPeer = (host: string) => Promise<PeerServer>;

/** One stored message: its seq and its JSON, serialized once for every client. */
export interface FloorMessage {
  seq: number;
  json: string;
}

/** The most messages a floor keeps for cursors (pushrace's default history). */
const HISTORY = 10_000;

/**
 * What every floor needs of a feed, and no more: seq, ts and JSON assigned at publish (the same
 * message object as pushrace's, key order included), a bounded history for cursors, listeners.
 */
export class FloorFeed {
  #head = 0;
  readonly #history: FloorMessage[] = [];
  readonly #listeners = new Set<(m: FloorMessage, message: object) => void>();

  head(): number {
    return this.#head;
  }

  publish(n: number): void {
    const seq = ++this.#head;
    const message = { seq, ts: performance.timeOrigin + performance.now(), source: 'bench', body: { n } };
    const m = { seq, json: JSON.stringify(message) };
    this.#history.push(m);
    if (this.#history.length > HISTORY) this.#history.shift();
    for (const l of this.#listeners) l(m, message);
  }

  /** Messages after `cursor`, oldest first, at most `limit`. */
  after(cursor: number, limit = 1000): FloorMessage[] {
    const first = this.#history[0]?.seq ?? this.#head + 1;
    const from = Math.max(0, cursor + 1 - first);
    return this.#history.slice(from, from + limit);
  }

  /** `listener` hears every message from now on (with the message object too, for socket.io). */
  subscribe(listener: (m: FloorMessage, message: object) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** `{"cursor":N,"messages":[…]}`: a poll or long-poll answer of the floors. */
export function answerOf(cursor: number, messages: readonly FloorMessage[]): string {
  const last = messages[messages.length - 1];
  return `{"cursor":${last ? last.seq : cursor},"messages":[${messages.map((m) => m.json).join(',')}]}`;
}

/** Writes a whole JSON answer with its length (Node would chunk it after `writeHead`). */
export function sendJson(res: ServerResponse, body: string): void {
  res
    .writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}

/** `after` of a query string: the client's cursor; a missing or bad one reads as the head. */
export function cursorOf(raw: string | null | undefined, head: number): number {
  return raw !== null && raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : head;
}

/** Listens on `host`, any port; a PeerServer over `feed` that closes `server` (and `also`). */
export async function listenFloor(
  server: Server,
  host: string,
  feed: FloorFeed,
  also: () => void = () => {},
): Promise<PeerServer> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    head: () => feed.head(),
    publish: (n) => feed.publish(n),
    close: () =>
      new Promise<void>((resolve) => {
        also();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
