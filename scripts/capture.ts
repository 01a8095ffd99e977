/**
 * The packet capture wire-check holds the socket meter against: tshark on the loopback
 * interface, one port, summed per direction.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/** Whether tshark can be run here (without it, wire-check prints the meter's figures alone). */
export const hasTshark = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Starts capturing `host <host> and tcp port <port>` into `file`; resolves once tshark says it
 * captures. The host matters on a busy machine: a port alone also matches any other loopback
 * connection whose client side happens to have the same ephemeral number (a load test's, say),
 * so a server checked alone should listen on a loopback address nobody else uses.
 */
export function startCapture(port: number, file: string, host = '127.0.0.1'): Promise<ChildProcess> {
  const proc = spawn('tshark', ['-i', 'lo', '-f', `host ${host} and tcp port ${port}`, '-w', file, '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tshark did not start within 10 s')), 10_000);
    proc.stderr?.on('data', (d: Buffer) => {
      if (String(d).includes('Capturing on')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.once('error', reject);
  });
}

/**
 * Sums TCP payload bytes per direction (to the server port, from it) in a capture file,
 * leaving out the connections from the client ports in `except` (the harness's own).
 */
export function captured(
  file: string,
  port: number,
  except: readonly number[] = [],
): { toServer: number; fromServer: number } {
  const fields = ['-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.len'];
  // A segment the kernel sent twice (a retransmission) carries no new byte of the application's.
  const filter = ['-Y', 'not tcp.analysis.retransmission'];
  const out = execFileSync('tshark', ['-r', file, ...filter, '-T', 'fields', ...fields], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let toServer = 0;
  let fromServer = 0;
  for (const line of out.split('\n')) {
    const [src, dst, len] = line.split('\t');
    if (!len) continue;
    if (except.includes(Number(src)) || except.includes(Number(dst))) continue;
    if (Number(dst) === port) toServer += Number(len);
    else fromServer += Number(len);
  }
  return { toServer, fromServer };
}
