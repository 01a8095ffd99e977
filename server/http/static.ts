import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Middleware } from 'koa';
import { PushraceError } from '../errors.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Serves the built dashboard from `dir`: `/` is index.html, hashed `/assets/*` are cached for
 * a year. Only files inside `dir` of the types above are reachable (no source maps: they would
 * publish the source tree); `HEAD` answers as `GET` would, without the body. Falls through
 * (404) for anything else.
 */
export function servePage(dir: string): Middleware {
  const root = normalize(dir);
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const rel = ctx.path === '/' ? 'index.html' : decodeSafe(ctx.path.slice(1));
    if (rel === undefined || rel.includes('\0')) return next();
    const file = normalize(join(root, rel));
    if (!file.startsWith(root + sep)) return next();
    const type = TYPES[extname(file)];
    if (type === undefined) return next();
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      if (ctx.path === '/') throw new PushraceError('PAGE_NOT_BUILT');
      return next();
    }
    ctx.status = 200;
    ctx.type = type;
    ctx.length = info.size;
    ctx.set('Cache-Control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (extname(file) === '.html') {
      ctx.set(
        'Content-Security-Policy',
        "default-src 'self'; connect-src 'self' http://*.localhost:* ws://*.localhost:*; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      );
    }
    // HEAD: status, type and length are set and the body is never opened (Koa sends no body).
    if (ctx.method === 'GET') ctx.body = createReadStream(file);
  };
}

function decodeSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
