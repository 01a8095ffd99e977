/**
 * A load process (spawned pinned to the load core by load-process.ts): runs one fleet of
 * simulated clients at a time and answers the parent's requests over IPC. Reports how many
 * clients are ready while they connect, as `progress` events.
 */
import { Fleet, type FleetSamples, type FleetSpec } from './fleet.ts';
import { serveIpc } from './ipc.ts';

let fleet: Fleet | undefined;

const current = (): Fleet => {
  if (!fleet) throw new Error('no fleet is running; call start first');
  return fleet;
};

const send = serveIpc({
  async start(args): Promise<number> {
    if (fleet) throw new Error('a fleet is already running; stop it first');
    fleet = new Fleet(args as FleetSpec, (ready) => send('progress', ready));
    return fleet.start();
  },
  mark(): number {
    return current().mark();
  },
  awaitSeq(args): Promise<number> {
    const { seq, timeoutMs } = args as { seq: number; timeoutMs: number };
    return current().awaitSeq(seq, timeoutMs);
  },
  reached(args): number {
    return current().reachedCount(args as number);
  },
  collect(): FleetSamples {
    return current().collect();
  },
  stop() {
    fleet?.stop();
    fleet = undefined;
    return null;
  },
});

send('ready');
