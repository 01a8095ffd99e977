import type { Context } from 'koa';
import { PushraceError } from '../errors.ts';

/**
 * Reads a JSON request body with a byte limit: 415 unless Content-Type is JSON, 413 past the
 * limit (from Content-Length at once, or while reading), 400 when it does not parse.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<unknown> {
  if (!ctx.is('application/json')) throw new PushraceError('UNSUPPORTED_MEDIA_TYPE');
  const declared = Number(ctx.get('Content-Length'));
  if (declared > limit)
    throw new PushraceError('PAYLOAD_TOO_LARGE', `the body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new PushraceError('PAYLOAD_TOO_LARGE', `the body is over the ${limit}-byte limit`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new PushraceError('INVALID_JSON');
  }
}
