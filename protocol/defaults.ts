/**
 * The timing defaults that the server, the client library, the experiments and the model must
 * agree on. Each is a property of the wire contract as much as of one side: a client that polls
 * every `pollIntervalMs` is what the model's T/2 is drawn for; a long-poll timeout under common
 * proxy idle timeouts is what both the server's default and the client's request deadline
 * assume. One object, so changing one changes it everywhere it is read.
 */
export const PROTOCOL_DEFAULTS = {
  /** Poll period T: one request a second, the classic AJAX polling demo. */
  pollIntervalMs: 1000,
  /** How long a long-poll is held before `204`: under common proxy idle timeouts (30–60 s). */
  longPollTimeoutMs: 25_000,
  /** The largest `timeout` a long-poll may ask for. */
  longPollMaxTimeoutMs: 60_000,
  /** Most messages in one poll/long-poll answer (`limit`'s maximum and default). */
  readLimit: 1000,
  /** SSE comment heartbeat, below common proxy idle timeouts. */
  sseHeartbeatMs: 15_000,
  /** WebSocket ping interval; a peer silent for two is terminated. */
  wsHeartbeatMs: 30_000,
  /** socket.io's ping interval, its own default kept: the server sends `2`, the client answers `3`. */
  socketioPingIntervalMs: 25_000,
  /** How long socket.io waits for that pong before it drops the connection (its default). */
  socketioPingTimeoutMs: 20_000,
} as const;
