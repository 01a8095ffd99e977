/**
 * The client library's registry: one transport per wire name, all behind ClientTransport, so
 * the dashboard, the load harness and the tests switch transports by name alone. Adding a
 * transport is one file and one line here.
 */
import type { TransportName } from '../../protocol/wire.ts';
import { createLongPollTransport } from './long-poll.ts';
import { createPollTransport } from './poll.ts';
import { createSocketioTransport } from './socketio.ts';
import { createSseTransport } from './sse.ts';
import type { ClientOptions, ClientTransport } from './types.ts';
import { createWsTransport } from './ws.ts';

/** Factories by wire name. */
export const TRANSPORT_FACTORIES: Readonly<Record<TransportName, (opts: ClientOptions) => ClientTransport>> = {
  poll: createPollTransport,
  'long-poll': createLongPollTransport,
  sse: createSseTransport,
  ws: createWsTransport,
  socketio: createSocketioTransport,
};

/** A new, unstarted transport of the given name. */
export function createTransport(name: TransportName, opts: ClientOptions): ClientTransport {
  return TRANSPORT_FACTORIES[name](opts);
}

export { backoffDelay } from './backoff.ts';
export { ServerError } from './errors.ts';
export { createLongPollTransport } from './long-poll.ts';
export { DEFAULTS } from './options.ts';
export { createPollTransport } from './poll.ts';
export { publishHttp } from './publish.ts';
export { createSocketioTransport } from './socketio.ts';
export { createSseTransport } from './sse.ts';
export type * from './types.ts';
export { createWsTransport } from './ws.ts';
