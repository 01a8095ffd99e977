import { createHash } from 'node:crypto';
import { type FeedMessage, SOURCES, type Source } from '../../protocol/wire.ts';

/**
 * What a Redis feed keeps in Redis, and the two server-side scripts that change it. Every key
 * carries the prefix as a hash tag (`{pushrace}:stream`), so the three share one slot and the
 * scripts, which touch all three, also run on a Redis Cluster.
 *
 * - `{P}:epoch`: the epoch id (a string). Created by whichever script first finds it missing.
 * - `{P}:stream`: the history, a stream whose entry IDs are `0-<seq>` (so a read by cursor is
 *   an `XRANGE` from `0-<after + 1>`, no lookup), trimmed to exactly HISTORY_SIZE entries. Each
 *   entry: `e` epoch, `t` ts, `s` source, `b` body as JSON, `x` the encoding of a binary
 *   message's body (`base64`), `i` the client id if one was given.
 *   The epoch in every entry lets a reader blocked at an old position tell, when the stream
 *   was lost and refilled past it, that what it got belongs to a new epoch.
 * - `{P}:ids`: client id → seq, for the retained entries only (an id leaves with its entry).
 */
export interface FeedKeys {
  epoch: string;
  stream: string;
  ids: string;
}

/** The keys of the feed under `prefix`. */
export function feedKeys(prefix: string): FeedKeys {
  return { epoch: `{${prefix}}:epoch`, stream: `{${prefix}}:stream`, ids: `{${prefix}}:ids` };
}

/** The stream entry ID of a seq. */
export function entryId(seq: number): string {
  return `0-${seq}`;
}

/**
 * Shared by both scripts: the current epoch and head, after making sure the epoch still
 * stands for everything anyone was told. A missing epoch key (first start, FLUSHALL, a restart
 * without persistence, an eviction) or a head below the head the caller already saw in that
 * same epoch (a restart that lost the last writes) means history was lost: the rest is
 * deleted and a new epoch (the caller's candidate) is created, atomically, so concurrent
 * instances agree on one. ARGV[1] candidate epoch, ARGV[2] the caller's epoch, ARGV[3] its head.
 */
const ENSURE = `
local function seqOf(id) return tonumber(string.sub(id, 3)) end
local epoch = redis.call('GET', KEYS[1])
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local head = 0
if last then head = seqOf(last[1]) end
if (not epoch) or (epoch == ARGV[2] and head < tonumber(ARGV[3])) then
  redis.call('DEL', KEYS[2], KEYS[3])
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
  head = 0
end
`;

/**
 * Stores one message. ARGV[4] history size, [5] ts, [6] source, [7] body JSON, [8] client id
 * ('' = none), [9] encoding ('' = none). A known id answers its retained entry (duplicate = 1). Otherwise the entries
 * that the append pushes out leave the id map first, then the entry is appended at
 * `0-<head + 1>` with exact trimming: the retained window is always exactly the last
 * HISTORY_SIZE seqs, which the cursor rules rely on. → {epoch, head, duplicate, entry}
 */
const PUBLISH = `${ENSURE}
local size = tonumber(ARGV[4])
local id = ARGV[8]
if id ~= '' then
  local known = redis.call('HGET', KEYS[3], id)
  if known then
    local entry = redis.call('XRANGE', KEYS[2], '0-' .. known, '0-' .. known)[1]
    if entry then return {epoch, head, 1, entry} end
  end
end
local excess = redis.call('XLEN', KEYS[2]) - size + 1
if excess > 0 then
  for _, old in ipairs(redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess)) do
    local f = old[2]
    for i = 1, #f, 2 do
      if f[i] == 'i' then redis.call('HDEL', KEYS[3], f[i + 1]) end
    end
  end
end
head = head + 1
local seq = string.format('%d', head)
local fields = {'e', epoch, 't', ARGV[5], 's', ARGV[6], 'b', ARGV[7]}
if ARGV[9] ~= '' then
  table.insert(fields, 'x')
  table.insert(fields, ARGV[9])
end
if id ~= '' then
  table.insert(fields, 'i')
  table.insert(fields, id)
  redis.call('HSET', KEYS[3], id, seq)
end
redis.call('XADD', KEYS[2], 'MAXLEN', size, '0-' .. seq, unpack(fields))
return {epoch, head, 0, {'0-' .. seq, fields}}
`;

/**
 * Reads by cursor, with the memory feed's rules (docs/protocol.md, "Epoch and cursor"), in one
 * atomic step. ARGV[4] after ('' = live from now: epoch and head only), [5] the reader's epoch
 * ('' = none), [6] limit (0 = none). → {epoch, head, reset, from, entries}
 */
const READ = `${ENSURE}
if ARGV[4] == '' then return {epoch, head, 0, head + 1, {}} end
local after = tonumber(ARGV[4])
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
local oldest = head + 1
if first then oldest = seqOf(first[1]) end
local reset = (ARGV[5] ~= '' and ARGV[5] ~= epoch) or after < oldest - 1 or after > head
local from = after + 1
if reset then from = oldest end
local entries = {}
if from <= head then
  local range = {KEYS[2], string.format('0-%d', from), '+'}
  if tonumber(ARGV[6]) > 0 then
    range[4] = 'COUNT'
    range[5] = ARGV[6]
  end
  entries = redis.call('XRANGE', unpack(range))
end
local resetFlag = 0
if reset then resetFlag = 1 end
return {epoch, head, resetFlag, from, entries}
`;

/** A Lua script and its SHA-1, for EVALSHA. */
export interface Script {
  readonly lua: string;
  readonly sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

export const SCRIPTS = { publish: script(PUBLISH), read: script(READ) } as const;

/** One stream entry, decoded: the message and the epoch it was stored in. */
export interface Entry {
  epoch: string;
  message: FeedMessage;
}

/** A reply that is not what the scripts return: Redis is not ours, or the data was tampered with. */
export class BadReply extends Error {
  constructor(what: string) {
    super(`unexpected reply from Redis: ${what}`);
    this.name = 'BadReply';
  }
}

const isSource = (s: string): s is Source => (SOURCES as readonly string[]).includes(s);

function text(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  throw new BadReply(what);
}

function int(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : Number(text(v, what));
  if (!Number.isSafeInteger(n)) throw new BadReply(what);
  return n;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new BadReply(what);
  return v;
}

/** Decodes `[id, [field, value, ...]]`: an XRANGE/XREAD entry. */
export function decodeEntry(raw: unknown): Entry {
  const [id, fields] = list(raw, 'entry');
  const seq = int(text(id, 'entry id').slice(2), 'entry id');
  const f = new Map<string, string>();
  const flat = list(fields, 'entry fields');
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(text(flat[i], 'field'), text(flat[i + 1], 'value'));
  const source = f.get('s') ?? '';
  const body = f.get('b');
  if (!isSource(source) || body === undefined) throw new BadReply(`entry ${seq}`);
  const message: FeedMessage = { seq, ts: Number(f.get('t')), source, body: JSON.parse(body) };
  // Set after the others, as the memory feed does: the same key order is the same JSON bytes.
  if (f.get('x') === 'base64') message.encoding = 'base64';
  return { epoch: f.get('e') ?? '', message };
}

/** The publish script's answer. */
export interface PublishReply {
  epoch: string;
  head: number;
  duplicate: boolean;
  entry: Entry;
}

export function decodePublish(raw: unknown): PublishReply {
  const [epoch, head, duplicate, entry] = list(raw, 'publish');
  return {
    epoch: text(epoch, 'epoch'),
    head: int(head, 'head'),
    duplicate: duplicate === 1,
    entry: decodeEntry(entry),
  };
}

/** The read script's answer: `from` is the first seq asked for (the oldest on a reset). */
export interface ReadReply {
  epoch: string;
  head: number;
  reset: boolean;
  from: number;
  entries: Entry[];
}

export function decodeRead(raw: unknown): ReadReply {
  const [epoch, head, reset, from, entries] = list(raw, 'read');
  return {
    epoch: text(epoch, 'epoch'),
    head: int(head, 'head'),
    reset: reset === 1,
    from: int(from, 'from'),
    entries: list(entries, 'entries').map(decodeEntry),
  };
}

/** Decodes an XREAD reply on one stream (null when it timed out): its entries. */
export function decodeXread(raw: unknown): Entry[] | null {
  if (raw === null) return null;
  const [stream] = list(raw, 'xread');
  const [, entries] = list(stream, 'xread stream');
  return list(entries, 'xread entries').map(decodeEntry);
}
