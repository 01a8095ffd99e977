/**
 * Where a server's CPU goes, from a V8 CPU profile (`--cpu-prof`; the peers scenario's
 * `--cpu-prof` profiles its pushrace processes): self time summed by part of the code —
 * pushrace's byte meter, the rest of pushrace by folder, ws, Koa and its router, Node's own
 * JavaScript, native code and GC — as shares of the time the process was busy (its TypeScript
 * loader aside: start-up only). What the
 * report's story of "where pushrace's extra cost goes" is read from.
 *
 *   npx tsx experiments/peers/profile.ts DIR_OR_FILE.cpuprofile …
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The part of a V8 profile this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the code a frame belongs to. */
export function partOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(root)') return 'idle';
    return 'native (syscalls, (program))';
  }
  const server = /\/server\/([^/]+)\//.exec(url);
  if (server?.[1]) return server[1] === 'metering' ? 'pushrace: byte meter' : `pushrace: server/${server[1]}`;
  if (/\/server\/[^/]+\.js$/.test(url)) return 'pushrace: server/*';
  if (/\/protocol\//.test(url)) return 'pushrace: protocol';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (/^node:internal\/(modules|bootstrap|deps\/cjs-module-lexer)\//.test(url)) return 'loading';
  if (url.startsWith('node:')) return 'node (JS)';
  return 'other';
}

/**
 * Self time by part, ms, as shares of the busy time; sorted, largest first. Self time: a socket
 * write's syscall is Node's and native, whoever asked for it, so a part's figure is the work its
 * own functions did (the meter's parsing, Koa's middleware), not what it caused downstream.
 */
export function shareByPart(p: CpuProfile): Array<{ part: string; ms: number; share: number }> {
  const partById = new Map(p.nodes.map((n) => [n.id, partOf(n.callFrame.url, n.callFrame.functionName)]));
  const ms = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const part = partById.get(id) ?? 'other';
    ms.set(part, (ms.get(part) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  // Idle is not work; loading modules happens once at start, and tsx and esbuild are the
  // harness's TypeScript loader (production runs the compiled files without them).
  for (const part of ['idle', 'tsx', 'esbuild', 'loading']) ms.delete(part);
  const busy = [...ms.values()].reduce((a, b) => a + b, 0);
  return [...ms.entries()]
    .map(([part, t]) => ({ part, ms: t, share: busy > 0 ? t / busy : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

function main(argv: string[]): number {
  const files = argv.flatMap((a) =>
    statSync(a).isDirectory()
      ? readdirSync(a)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(a, f))
      : [a],
  );
  if (files.length === 0) {
    console.error('usage: npx tsx experiments/peers/profile.ts DIR_OR_FILE.cpuprofile …');
    return 2;
  }
  for (const f of files) {
    const rows = shareByPart(JSON.parse(readFileSync(f, 'utf8')) as CpuProfile);
    console.log(`== ${f}`);
    for (const r of rows.slice(0, 14))
      console.log(`${(r.share * 100).toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${r.part}`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
