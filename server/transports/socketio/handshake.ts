import type { IncomingMessage } from 'node:http';
import { PushraceError } from '../../errors.ts';
import { tokenMatches } from '../../http/access.ts';
import { ownAliasOrigin } from '../../http/cors.ts';
import { originAllowed } from '../../http/origin.ts';
import { parseAfter, parseEpoch, parseSources } from '../../http/query.ts';
import type { SourceFilter } from '../shared/source-filter.ts';

/**
 * What a socket.io client says when it connects, in its handshake `auth` (sent in the
 * socket.io CONNECT packet, on every reconnect anew): where to resume and which channels.
 * `after`/`epoch`/`sources` follow the query rules of the other transports (docs/protocol.md);
 * `token` is the publish token, checked like the WebSocket's `?token=`.
 */
export interface SioStart {
  from: { after?: number; epoch?: string; sources?: SourceFilter };
  /** Whether this connection may publish (no token configured, or the right one given). */
  authorized: boolean;
}

/** An auth member as the query parsers take it: a string, or absent. */
function member(auth: Record<string, unknown>, key: string): string | undefined {
  const v = auth[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  throw new PushraceError(key === 'after' ? 'BAD_CURSOR' : key === 'epoch' ? 'BAD_EPOCH' : 'BAD_SOURCES');
}

/**
 * Reads a handshake's `auth` object: the resume point and channels, or the refusal of a bad
 * value (the same codes as a bad query elsewhere). A wrong token is refused, as on `/ws`;
 * no token reads the feed (reading is public).
 */
export function readAuth(auth: unknown, publishToken: string): SioStart | PushraceError {
  const a = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>) : {};
  try {
    const after = parseAfter(member(a, 'after'));
    const epoch = parseEpoch(member(a, 'epoch'));
    const sources = parseSources(member(a, 'sources'));
    const token = typeof a.token === 'string' ? a.token : undefined;
    if (token !== undefined && !tokenMatches(token, publishToken)) {
      return new PushraceError('UNAUTHORIZED', 'the token is not valid');
    }
    const from: SioStart['from'] = {};
    if (after !== undefined) from.after = after;
    if (epoch !== undefined) from.epoch = epoch;
    if (sources !== undefined) from.sources = sources;
    return { from, authorized: publishToken === '' || token !== undefined };
  } catch (err) {
    if (err instanceof PushraceError) return err;
    throw err;
  }
}

/**
 * Whether a socket.io request may go on, by its Origin: the WebSocket upgrade's rule (no
 * Origin, localhost, the server's own origin, ALLOWED_ORIGINS: no cross-site hijacking of a
 * session that can publish), plus this server under another loopback name (a dashboard tab's
 * lane host, as on the read routes).
 */
export function sioOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const { origin, host } = req.headers;
  return originAllowed(origin, host, allowedOrigins) || ownAliasOrigin(origin, host);
}
