/**
 * The ablation: pushrace exactly as `pushrace.ts` runs it, but without its byte meter. Measured
 * beside pushrace in the same interleaved repetitions, it tells what the meter — the product's
 * promise that every byte count is true, a cost no floor pays — takes of pushrace's CPU per
 * operation and memory per connection, and how far the rest of pushrace is from the floor.
 */

import { startPushrace } from './pushrace.ts';
import type { StartPeer } from './server.ts';

export const start: StartPeer = (host) => startPushrace(host, false);
