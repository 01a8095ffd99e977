/**
 * A load process of the peers scenario (spawned pinned to the load core): one fleet of raw
 * clients at a time, driven by the parent over IPC.
 */
import { serveIpc } from '../harness/ipc.ts';
import { RawFleet, type RawFleetSpec } from './clients/fleet.ts';

let fleet: RawFleet | undefined;

const current = (): RawFleet => {
  if (!fleet) throw new Error('no fleet is running; call start first');
  return fleet;
};

const send = serveIpc({
  start(args) {
    fleet?.stop();
    fleet = new RawFleet(args as RawFleetSpec);
    return fleet.start();
  },
  mark: () => current().mark(),
  awaitSeq(args) {
    const { seq, timeoutMs } = args as { seq: number; timeoutMs: number };
    return current().awaitSeq(seq, timeoutMs);
  },
  collect: (args) => current().collect(args as number),
  stop() {
    fleet?.stop();
    fleet = undefined;
    return null;
  },
});

send('ready');
