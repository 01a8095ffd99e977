import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.ts';

/** The binary: `NGINX`, else Debian's /usr/sbin/nginx, else `nginx` on PATH. */
const BINARY = process.env.NGINX ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

const MISSING =
  `${BINARY} was not found: the nginx tests start their own nginx and are never skipped. ` +
  'Install it (Debian: apt-get install nginx; .ci/run does) or set NGINX=/path/to/nginx.';

/** deploy/nginx.conf: the configuration a deployment uses, rendered for this test. */
const TEMPLATE = new URL('../../deploy/nginx.conf', import.meta.url);

/**
 * deploy/nginx.conf with its upstream list (`host:port` each), its listen port, and its paths
 * under `prefix`: the markers the file documents.
 */
export function renderNginxConf(opts: { listen: number; upstreams: readonly string[] }): string {
  const text = readFileSync(TEMPLATE, 'utf8');
  // The markers on lines of their own (the file's header names them too).
  const block = /^([ \t]*)# upstreams:begin\n[\s\S]*?^[ \t]*# upstreams:end$/m;
  const m = block.exec(text);
  if (!m) throw new Error('deploy/nginx.conf lost its "# upstreams:begin/end" markers');
  const indent = m[1] ?? '';
  const servers = opts.upstreams.map((u) => `${indent}server ${u} max_fails=1 fail_timeout=2s;\n`).join('');
  const rendered = text.replace(block, `${indent}# upstreams:begin\n${servers}${indent}# upstreams:end`);
  const listen = /listen 127\.0\.0\.1:\d+;/;
  if (!listen.test(rendered)) throw new Error('deploy/nginx.conf has no "listen 127.0.0.1:<port>;" line');
  return rendered.replace(listen, `listen 127.0.0.1:${opts.listen};`);
}

/** An nginx child process of this test, on a free loopback port, proxying to `upstreams`. */
export interface Nginx {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Everything it wrote to stderr (its error log). */
  log(): string;
  /** The master's process id, then its workers' (where the proxying is done). */
  pids(): number[];
  close(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `nginx -p <temp dir> -c nginx.conf -g 'daemon off;'` with deploy/nginx.conf rendered
 * for `upstreams`, and waits until it accepts connections. Fails with a clear message when the
 * binary is missing. Killed when the test process exits, whatever happens to the test.
 */
export async function startNginx(upstreams: readonly string[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'pushrace-nginx-'));
  // Run as root, nginx's workers become `nobody`: they must reach the temp files' folders.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'tmp'), { mode: 0o777 });
  chmodSync(join(dir, 'tmp'), 0o777);
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), renderNginxConf({ listen: port, upstreams }));
  const proc: ChildProcess = spawn(BINARY, ['-p', dir, '-c', 'nginx.conf', '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  let failure: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    proc.once('error', (e: NodeJS.ErrnoException) => {
      failure = e.code === 'ENOENT' ? new Error(MISSING) : e;
      resolve();
    });
    proc.once('exit', (code) => {
      failure ??= new Error(`nginx exited (${code}): ${err}`);
      resolve();
    });
  });
  const cleanup = () => {
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  for (const until = Date.now() + 10_000; !(await accepts(port)); await new Promise((r) => setTimeout(r, 20))) {
    if (failure || Date.now() > until) {
      proc.kill('SIGKILL');
      cleanup();
      throw failure ?? new Error(`nginx did not listen on ${port} within 10 s: ${err}`);
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => err,
    pids() {
      const master = proc.pid ?? 0;
      let children: number[] = [];
      try {
        children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).map(Number);
      } catch {}
      return [master, ...children.filter((pid) => pid > 0)];
    },
    async close() {
      proc.kill('SIGQUIT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
      cleanup();
    },
  };
}
