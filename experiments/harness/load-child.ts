/**
 * A load process (spawned pinned to the load core by load-process.ts): runs one fleet of
 * simulated clients at a time and answers the parent's requests over IPC. Reports how many
 * clients are ready while they connect, as `progress` events.
 */
import { Fleet, type FleetSamples, type FleetSpec } from './fleet.ts';
import { serveIpc } from './ipc.ts';
import { RawHarnessFleet } from './raw-fleet.ts';

let fleet: Fleet | RawHarnessFleet | undefined;

const current = (): Fleet | RawHarnessFleet => {
  if (!fleet) throw new Error('no fleet is running; call start first');
  return fleet;
};

const send = serveIpc({
  async start(args): Promise<number> {
    if (fleet) throw new Error('a fleet is already running; stop it first');
    const spec = args as FleetSpec;
    const progress = (ready: number) => send('progress', ready);
    fleet = spec.client === 'raw' ? new RawHarnessFleet(spec, progress) : new Fleet(spec, progress);
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
