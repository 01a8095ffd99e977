/**
 * What the socket meters of one server share: where a request's bytes are counted (its
 * endpoint), how a request is mapped there, the framers' options, and which endpoints carry
 * engine.io packets.
 */
import type { Endpoint } from '../observe/stats.ts';
import { EioSplitter } from './eio-splitter.ts';
import type { HeadMemo } from './head-memo.ts';
import type { ParsedRequest, ParsedResponse } from './http-framer.ts';

/** Where a request's bytes are counted: a transport's endpoint, or `other` (see `Stats`). */
export type MeterKey = Endpoint;

/** Maps a request to its endpoint by method and path (the path without its query string). */
export type Classify = (method: string, path: string) => MeterKey;

/** What every socket meter of one server shares: its framers' options. */
export interface MeterOptions {
  maxHeadSize: number;
  upgradeTakesOver: (method: string) => boolean;
  methods: ReadonlySet<string>;
  requestHeads: HeadMemo<ParsedRequest>;
  responseHeads: HeadMemo<ParsedResponse>;
  /** Whether request bodies to `path` are engine.io packets (see `carriesEngineIo`). */
  engineIo: (path: string) => boolean;
}

/**
 * Whether an endpoint's bodies and frames are engine.io packets: socket.io's. Its bytes are
 * then split by packet framing too (eio-splitter.ts), so `payload` is what the events carry.
 */
export function carriesEngineIo(key: MeterKey): boolean {
  return key.transport === 'socketio';
}

/** A packet splitter for the frames of an upgraded connection counted at `key`, if it needs one. */
export const packetsFor = (key: MeterKey): EioSplitter | undefined =>
  carriesEngineIo(key) ? new EioSplitter() : undefined;
