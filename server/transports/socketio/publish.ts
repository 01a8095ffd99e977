import type { Socket } from 'socket.io';
import { PushraceError } from '../../errors.ts';
import type { Publisher } from '../../publish/publish.ts';
import { TokenBucket } from '../../publish/rate-limit.ts';

/** What a `publish` acknowledgement carries: the ack frame's fields, or the error frame's. */
export type SioAck =
  | { ok: true; seq: number; duplicate?: true }
  | { ok: false; error: { code: string; message: string } };

/**
 * socket.io's acknowledgements, shown on the feed: `socket.emit('publish', {body, source?,
 * id?}, ack)` stores a message as `POST /api/messages` does (same validation, size and rate
 * limits: the connection's own bucket and the IP's) and calls `ack` with the stored seq or
 * the refusal. With `PUBLISH_TOKEN` set, only a connection that gave the token may publish.
 */
export function servePublish(socket: Socket, publisher: Publisher, rate: number, authorized: boolean): void {
  const who = { ip: socket.handshake.address, bucket: new TokenBucket(rate) };
  socket.on('publish', (request: unknown, ack: unknown) => {
    const answer = (a: SioAck) => {
      if (typeof ack === 'function') ack(a);
    };
    if (!authorized) {
      const e = new PushraceError('UNAUTHORIZED', 'publishing needs the token (handshake auth.token)');
      return answer({ ok: false, error: { code: e.code, message: e.message } });
    }
    const checked = publisher.check(request, who);
    if (!checked.ok)
      return answer({ ok: false, error: { code: checked.refusal.code, message: checked.refusal.message } });
    publisher.store(checked.input).then(
      ({ message, duplicate }) =>
        answer(duplicate ? { ok: true, seq: message.seq, duplicate: true } : { ok: true, seq: message.seq }),
      (err: unknown) => {
        const e = err instanceof PushraceError ? err : new PushraceError('INTERNAL');
        answer({ ok: false, error: { code: e.code, message: e.message } });
      },
    );
  });
}
