import { asError, httpError } from './errors.ts';
import { fetchOf } from './options.ts';
import type { FetchLike, PublishAck, PublishRequest } from './types.ts';

/**
 * Publishes one message with `POST /api/messages`, the way every transport but ws publishes
 * (chat from the dashboard, the harness's bench messages). Resolves with the stored seq;
 * throws a ServerError carrying the server's `{ error: { code, message } }` on a non-2xx.
 * `token` is sent as `Authorization: Bearer` for a server that requires one (PUBLISH_TOKEN).
 * A `Uint8Array` body is a binary message: sent as `application/octet-stream`, the bytes as
 * they are, with `source` and `id` in the query.
 */
export async function publishHttp(
  baseUrl: string,
  input: PublishRequest,
  fetchImpl?: FetchLike,
  token?: string,
): Promise<PublishAck> {
  const f = fetchOf({ baseUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const binary = input.body instanceof Uint8Array;
  const query = new URLSearchParams();
  const payload: PublishRequest = { body: input.body };
  if (input.source !== undefined) payload.source = input.source;
  if (input.id !== undefined) payload.id = input.id;
  if (binary) for (const [k, v] of Object.entries(payload)) if (k !== 'body') query.set(k, String(v));
  const contentType = binary ? 'application/octet-stream' : 'application/json';
  const res = await f(`${baseUrl.replace(/\/+$/, '')}/api/messages${query.size > 0 ? `?${query}` : ''}`, {
    method: 'POST',
    headers: token
      ? { 'content-type': contentType, authorization: `Bearer ${token}` }
      : { 'content-type': contentType },
    body: input.body instanceof Uint8Array ? Uint8Array.from(input.body) : JSON.stringify(payload),
  });
  const text = await res.text();
  if (!res.ok) throw httpError(res.status, text);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch (err) {
    throw asError(err);
  }
  if (typeof answer !== 'object' || answer === null || !('seq' in answer) || typeof answer.seq !== 'number') {
    throw new Error(`pushrace: malformed publish answer: ${text.slice(0, 80)}`);
  }
  return { seq: answer.seq, duplicate: 'duplicate' in answer && answer.duplicate === true };
}
