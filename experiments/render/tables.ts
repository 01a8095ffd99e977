/**
 * The report's tables as plain rows of text, built once and printed by both renderers
 * (Markdown pipes, HTML <table>), so the two reports always show the same figures.
 * Measured values come first, the model's in parentheses: `497 (500)`.
 */
import {
  bytesPerClientPerMinute,
  deliveriesPerSec,
  requestsPerSecPerClient,
  rssPerConnection,
  transportsOf,
} from '../derived.ts';
import { bytes, int, num, percent } from '../format.ts';
import type { Results, Run, TargetCheck } from '../results-schema.ts';
import { axisTitle } from './labels.ts';
import type { SweepAxis } from './sweep.ts';

/** A table: header cells, rows of cells, and which columns hold numbers (right-aligned). */
export interface Table {
  head: string[];
  rows: string[][];
  numeric: boolean[];
}

const DASH = '—';
const n = (x: number | null | undefined) => (x === null || x === undefined ? DASH : num(x));
const vs = (measured: number | null | undefined, model: number | null | undefined) => `${n(measured)} (${n(model)})`;

function table(columns: Array<[string, boolean]>, rows: string[][]): Table {
  return { head: columns.map(([h]) => h), numeric: columns.map(([, isNum]) => isNum), rows };
}

/**
 * The headline of a run, one row per transport: latency, requests and bytes per delivered
 * message against the model, and the delivery check (lost/dup/out-of-order must be 0).
 */
export function headlineTable(run: Run): Table {
  return table(
    [
      ['transport', false],
      ['clients', true],
      ['p50 ms (model)', true],
      ['p99 ms (model)', true],
      ['requests / delivered (model)', true],
      ['empty answers', true],
      ['header B / delivered, out (model)', true],
      ['payload B / delivered, out (model)', true],
      ['lost', true],
      ['dup', true],
      ['out of order', true],
    ],
    transportsOf(run).map(([t, r]) => [
      t,
      int(r.clients),
      vs(r.latency?.p50, r.model.latency.p50),
      vs(r.latency?.p99, r.model.latency.p99),
      vs(r.requestsPerDelivered, r.model.requestsPerDelivered),
      r.emptyRatio === null ? DASH : percent(r.emptyRatio),
      vs(r.bytes.perDelivered.header, r.model.bytesPerDelivered?.out.header),
      vs(r.bytes.perDelivered.payload, r.model.bytesPerDelivered?.out.payload),
      int(r.lost),
      int(r.duplicated),
      int(r.outOfOrder),
    ]),
  );
}

/** What a run cost: requests and timeouts per client, bytes, server and client resources. */
export function costTable(run: Run): Table {
  return table(
    [
      ['transport', false],
      ['req/s per client (model)', true],
      ['timeouts', true],
      ['deliveries/s', true],
      ['bytes in header / payload', true],
      ['bytes out header / payload', true],
      ['bytes per client per min', true],
      ['server CPU', true],
      ['server RSS', true],
      ['RSS per connection', true],
      ['event-loop delay p99', true],
      ['client CPU', true],
    ],
    transportsOf(run).map(([t, r]) => {
      const rss = rssPerConnection(r);
      const perMin = bytesPerClientPerMinute(r);
      return [
        t,
        vs(requestsPerSecPerClient(r), r.model.requestsPerSecPerClient),
        int(r.timeouts),
        n(deliveriesPerSec(r)),
        `${bytes(r.bytes.in.header)} / ${bytes(r.bytes.in.payload)}`,
        `${bytes(r.bytes.out.header)} / ${bytes(r.bytes.out.payload)}`,
        perMin === null ? DASH : bytes(perMin),
        `${num(r.server.cpuPercent)}%`,
        bytes(r.server.rssBytes),
        rss === null ? DASH : bytes(rss),
        `${num(r.server.eventLoopDelayP99Ms)} ms`,
        `${num(r.client.cpuPercent)}%${r.client.saturated ? ' SATURATED' : ''}`,
      ];
    }),
  );
}

/** A sweep at a glance: per point, each transport's p50 and requests per client per second. */
export function sweepTable(results: Results, axis: SweepAxis): Table {
  const present = [...new Set(results.runs.flatMap((run) => transportsOf(run).map(([t]) => t)))];
  const columns: Array<[string, boolean]> = [[axisTitle(axis.key), true]];
  for (const t of present) columns.push([`${t} p50 ms (model)`, true], [`${t} req/s per client (model)`, true]);
  const rows = results.runs.map((run, i) => [
    num(axis.xs[i] ?? Number.NaN),
    ...present.flatMap((t) => {
      const r = run.transports[t];
      if (!r) return [DASH, DASH];
      return [vs(r.latency?.p50, r.model.latency.p50), vs(requestsPerSecPerClient(r), r.model.requestsPerSecPerClient)];
    }),
  ]);
  return table(columns, rows);
}

/** The capacity run: the poll route and a bare Koa route under the same autocannon load. */
export function capacityTable(run: Run): Table | null {
  const c = run.capacity;
  if (!c) return null;
  return table(
    [
      ['route', false],
      ['connections', true],
      ['req/s', true],
      ['p50 ms', true],
      ['p99 ms', true],
      ['errors', true],
      ['non-2xx', true],
    ],
    [c.poll, c.bare].map((f) => [
      f.path,
      int(f.connections),
      int(f.requestsPerSec),
      num(f.latencyP50Ms),
      num(f.latencyP99Ms),
      int(f.errors),
      int(f.non2xx),
    ]),
  );
}

/** Targets, met or missed, in words a reader can paste into a bug report. */
export function targetsTable(targets: readonly TargetCheck[]): Table {
  return table(
    [
      ['target', false],
      ['required', false],
      ['measured', true],
      ['result', false],
      ['note', false],
    ],
    targets.map((t) => [
      t.name,
      t.target,
      t.unit === 'bytes' ? bytes(t.measured) : `${num(t.measured)} ${t.unit}`,
      t.met ? 'met' : 'MISSED',
      t.note,
    ]),
  );
}
