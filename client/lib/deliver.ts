import type { FeedMessage, Hello, ReadResponse } from '../../protocol/wire.ts';
import type { Cursor } from './cursor.ts';
import type { Session } from './session.ts';

/**
 * The order every transport hands things to the caller in: the position moves first (so a
 * handler reading `transport.position` sees where it now is), a reset comes before the
 * messages that follow it, and messages go out exactly as the server sent them.
 */

/** A poll or long-poll answer. */
export function deliverRead(session: Session, cursor: Cursor, body: ReadResponse, receivedAt: number): void {
  const first = body.messages[0];
  const start = first ? first.seq - 1 : body.cursor;
  const info = cursor.observe(body.epoch, start, body.reset === true);
  if (info) session.reset(info);
  if (body.messages.length > 0) {
    cursor.advance(body.messages);
    session.messages(body.messages, receivedAt);
  }
}

/** The start of a stream: the SSE hello/reset event, the WS hello frame. */
export function deliverHello(session: Session, cursor: Cursor, hello: Hello): void {
  const info = cursor.observe(hello.epoch, hello.cursor, hello.reset === true);
  if (info) session.reset(info);
}

/** One streamed message (SSE event, WS frame). */
export function deliverMessage(session: Session, cursor: Cursor, message: FeedMessage, receivedAt: number): void {
  const batch = [message];
  cursor.advance(batch);
  session.messages(batch, receivedAt);
}
