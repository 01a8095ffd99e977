import type { Context } from 'koa';
import { PushraceError } from '../errors.ts';
import { parseJsonInput, utf8Text } from '../json-input.ts';

/**
 * The bytes of a request body, at most `limit`: 413 past it (from Content-Length at once, or
 * while reading, so an oversized body is never buffered whole).
 */
export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
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
  return Buffer.concat(chunks);
}

/**
 * Reads a JSON request body with a byte limit: 415 unless Content-Type is JSON, 413 past the
 * limit, 400 when it is not UTF-8, does not parse, or nests deeper than `maxDepth`.
 */
export async function readJsonBody(ctx: Context, limit: number, maxDepth: number): Promise<unknown> {
  if (!ctx.is('application/json')) throw new PushraceError('UNSUPPORTED_MEDIA_TYPE');
  const text = utf8Text(await readBody(ctx, limit));
  if (text === undefined) throw new PushraceError('INVALID_JSON', 'the body is not valid UTF-8');
  const parsed = parseJsonInput(text, maxDepth);
  if (!parsed.ok) throw new PushraceError('INVALID_JSON', `the body is ${parsed.reason}`);
  return parsed.value;
}
