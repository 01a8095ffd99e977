/**
 * pushrace as it runs in production: the compiled server (`npm run build:server`,
 * dist/build/server; `ensureServerBuild` compiles it before a run), the byte meter on, its
 * default configuration except what a benchmark on one machine needs — a free port, no built-in
 * generators, no per-IP connection cap (thousands of clients come from six loopback addresses)
 * and errors-only logging (at info and warn it logs only its start and the open-file cap: no
 * per-request line either way). Published into through its own feed, as its generators do.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PeerServer, StartPeer } from './server.ts';

/** The compiled entry points, as `npm start` runs them. */
const BUILD = fileURLToPath(new URL('../../../dist/build/server/', import.meta.url));

/** Starts the compiled pushrace on `host`, with its byte meter or (the ablation) without. */
export async function startPushrace(host: string, meter: boolean): Promise<PeerServer> {
  if (!existsSync(`${BUILD}server.js`)) throw new Error('dist/build is missing: run `npm run build:server` first');
  const { loadConfig } = (await import(
    pathToFileURL(`${BUILD}config.js`).href
  )) as typeof import('../../../server/config.ts');
  const { startServer } = (await import(
    pathToFileURL(`${BUILD}server.js`).href
  )) as typeof import('../../../server/server.ts');
  const config = loadConfig({}, [], { port: 0, host, sources: [], maxConnectionsPerIp: 0, logLevel: 'error' });
  const running = await startServer(config, { meter });
  return {
    port: Number(new URL(running.url).port),
    head: () => running.feed.head,
    publish: (n) => void running.feed.publish({ source: 'bench', body: { n } }),
    close: () => running.close(),
  };
}

export const start: StartPeer = (host) => startPushrace(host, true);
