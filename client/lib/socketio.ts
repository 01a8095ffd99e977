import { io, type Socket } from 'socket.io-client';
import type { Attempt } from './attempt.ts';
import { now } from './clock.ts';
import { asFeedMessage, asHello } from './decode.ts';
import { type Connection, Driver } from './driver.ts';
import { asError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { StreamRecorder } from './stream.ts';
import type { ClientOptions, ClientTransport, FeedMessage } from './types.ts';
import { sourcesParam } from './url.ts';

/** socket.io's default path, where the server serves it (server/transports/socketio). */
const SOCKETIO_PATH = '/socket.io/';

/** The handshake `auth` of one attempt: the cursor to resume from, the channels, the token. */
function authOf(attempt: Attempt, opts: ResolvedOptions): Record<string, string | number> {
  const auth: Record<string, string | number> = {};
  const { after, epoch } = attempt.position;
  if (after !== undefined) auth.after = after;
  if (epoch !== undefined) auth.epoch = epoch;
  const sources = sourcesParam(opts);
  if (sources !== undefined) auth.sources = sources;
  if (opts.token !== undefined) auth.token = opts.token;
  return auth;
}

/**
 * socket.io 4, with the official client (`socket.io-client`), on one of its two transports
 * (`socketioTransport`: `websocket`, the default, or `polling`, which never upgrades). Its own
 * reconnection is switched off and the Driver's used instead: each attempt is a new socket.io
 * connection whose handshake `auth` carries the cursor (`after`, `epoch`), so the server
 * replays exactly what was missed, or says `reset` in its `hello` event; socket.io's built-in
 * reconnect would resend the first `auth` (or lose messages sent while it was away).
 */
export function createSocketioTransport(options: ClientOptions): ClientTransport {
  return new Driver('socketio', options, (opts) => (attempt) => connect(attempt, opts));
}

/** One attempt: one socket.io connection, from its handshake until it is lost. */
function connect(attempt: Attempt, opts: ResolvedOptions): Connection {
  const via = opts.socketioTransport ?? 'websocket';
  const wire = new StreamRecorder(attempt, `${opts.baseUrl}${SOCKETIO_PATH}?transport=${via}`);
  const socket: Socket = io(opts.baseUrl, {
    path: SOCKETIO_PATH,
    transports: [via],
    upgrade: false,
    reconnection: false,
    forceNew: true,
    auth: authOf(attempt, opts),
    ...(opts.socketioQuery ? { query: { ...opts.socketioQuery } } : {}),
  });

  socket.on('connect', () => wire.opened(via === 'websocket' ? 101 : 200));
  socket.on('hello', (x: unknown) => {
    const at = now();
    try {
      const hello = asHello(x, 'socket.io hello');
      wire.unit('event', attempt.recording ? JSON.stringify(x) : '', 0, at, hello.instance);
      attempt.healthy();
      attempt.hello(hello);
      attempt.setState('open');
    } catch (err) {
      attempt.error(asError(err));
    }
  });
  socket.on('message', (x: unknown) => {
    const receivedAt = now();
    wire.unit('frame-in', attempt.recording ? JSON.stringify(x) : '', 1, receivedAt);
    let message: FeedMessage;
    try {
      message = asFeedMessage(x, 'socket.io message');
    } catch (err) {
      return attempt.error(asError(err));
    }
    attempt.message(message, receivedAt);
  });
  socket.on('connect_error', (err: Error & { data?: { code?: unknown } }) => {
    const code = typeof err.data?.code === 'string' ? ` (${err.data.code})` : '';
    wire.ended(`could not connect: ${err.message}${code}`);
    attempt.fail(new Error(`socket.io could not connect: ${err.message}${code}`));
  });
  socket.on('disconnect', (reason: string) => {
    attempt.fail(new Error(`socket.io connection lost: ${reason}`));
  });

  return {
    close() {
      // Quietly: the Driver is closing it, no 'disconnect' may report a failure now.
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
