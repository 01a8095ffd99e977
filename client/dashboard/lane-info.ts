/**
 * What the page needs to know of each transport besides its client (client/lib): whether it
 * holds one of the browser's HTTP connections for as long as it runs (SSE's stream, long-poll's
 * held request), which counts against the six a browser allows per host. Data, not branches,
 * so a transport added later (binary frames, socket.io) is one entry here.
 */
import type { TransportName } from '../../protocol/wire.ts';

export interface LaneInfo {
  /** Holds an HTTP/1.1 connection of the browser's per-host pool while running. */
  holdsHttpConnection: boolean;
  /** Exchanges are separate HTTP requests (timeline bars), not one long connection (a line). */
  requests: boolean;
}

export const LANE_INFO: Readonly<Record<TransportName, LaneInfo>> = {
  poll: { holdsHttpConnection: false, requests: true },
  'long-poll': { holdsHttpConnection: true, requests: true },
  sse: { holdsHttpConnection: true, requests: false },
  // Browsers give WebSockets a pool of their own: an open socket takes no HTTP slot.
  ws: { holdsHttpConnection: false, requests: false },
  // On its websocket transport (the lane's default); on polling it holds one like long-poll.
  socketio: { holdsHttpConnection: false, requests: false },
};
