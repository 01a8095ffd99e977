/**
 * The report's tables as plain rows of text, built once and printed by both renderers
 * (Markdown pipes, HTML <table>), so the two reports always show the same figures.
 * Measured values come first, the model's in parentheses: `497 (500)`.
 */

import type { TransportName } from '../../protocol/wire.ts';
import { bytesPerClientPerMinute, deliveriesPerSec, requestsPerSecPerClient, transportsOf } from '../derived.ts';
import { bytes, int, num, percent } from '../format.ts';
import type { Results, Run, TargetCheck } from '../results-schema.ts';
import { axisTitle, TRANSPORT_LABEL } from './labels.ts';
import { rssCell, rssNoise, rssNote, rssPerConnection } from './rss.ts';
import type { SweepAxis } from './sweep.ts';
import { beatBytesPerMinute, beatOf, isIdleRun, shortWindowNote } from './waiting.ts';

/** A table: header cells, rows of cells, which columns hold numbers (right-aligned), notes under it. */
export interface Table {
  head: string[];
  rows: string[][];
  numeric: boolean[];
  /** Sentences printed under the table (how a column is made, why a cell is n/a). */
  notes?: string[];
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

/** What a run cost on the wire: requests and timeouts per client, deliveries, bytes. */
export function trafficTable(run: Run): Table {
  return table(
    [
      ['transport', false],
      ['req/s per client (model)', true],
      ['timeouts', true],
      ['deliveries/s', true],
      ['bytes in: header / payload', true],
      ['bytes out: header / payload', true],
      ['bytes per client per min', true],
    ],
    transportsOf(run).map(([t, r]) => {
      const perMin = bytesPerClientPerMinute(r);
      return [
        t,
        vs(requestsPerSecPerClient(r), r.model.requestsPerSecPerClient),
        int(r.timeouts),
        n(deliveriesPerSec(r)),
        `${bytes(r.bytes.in.header)} / ${bytes(r.bytes.in.payload)}`,
        `${bytes(r.bytes.out.header)} / ${bytes(r.bytes.out.payload)}`,
        perMin === null ? DASH : bytes(perMin),
      ];
    }),
  );
}

/**
 * What a run cost the machines: server CPU and memory, event-loop delay, client CPU. RSS per
 * connection is judged against the file's RSS noise (`rssNoise`): n/a with the reason where
 * the run cannot carry a per-connection figure; `note` (the rule) goes under it when given.
 */
export function resourcesTable(run: Run, noise: number, note: string | null): Table {
  const rows = transportsOf(run).map(([t, r]) => [
    t,
    `${num(r.server.cpuPercent)}%`,
    bytes(r.server.rssBytes),
    rssCell(rssPerConnection(r, noise)),
    `${num(r.server.eventLoopDelayP99Ms)} ms`,
    `${num(r.client.cpuPercent)}%${r.client.saturated ? ' SATURATED' : ''}`,
  ]);
  const hasRss = transportsOf(run).some(([, r]) => r.server.rssBaselineBytes !== null);
  return {
    ...table(
      [
        ['transport', false],
        ['server CPU', true],
        ['server RSS', true],
        ['RSS per connection', true],
        ['event-loop delay p99', true],
        ['client CPU', true],
      ],
      rows,
    ),
    ...(hasRss && note !== null ? { notes: [note] } : {}),
  };
}

/**
 * The headline of a run in which nothing was published: what waiting cost each transport
 * (requests, timeouts, wire bytes per client per minute) beside what the protocol says it
 * costs, and what the waiting consists of. Latency and per-message figures have nothing to
 * measure here, so this table replaces the headline table.
 */
export function idleTable(run: Run): Table {
  const rows = transportsOf(run).map(([t, r]) => {
    const perMin = bytesPerClientPerMinute(r);
    const beat = beatOf(t, r);
    return [
      t,
      int(r.clients),
      vs((requestsPerSecPerClient(r) ?? 0) * 60, r.model.requestsPerSecPerClient * 60),
      int(r.timeouts),
      `${perMin === null ? DASH : bytes(perMin)} (${beatBytesPerMinute(beat) === null ? DASH : bytes(beatBytesPerMinute(beat) ?? 0)})`,
      beat.en,
    ];
  });
  const note = shortWindowNote(run);
  return {
    ...table(
      [
        ['transport', false],
        ['clients', true],
        ['requests per client per min (model)', true],
        ['timeouts', true],
        ['wire bytes per client per min (protocol)', true],
        ['what waiting sends', false],
      ],
      rows,
    ),
    ...(note ? { notes: [note.en] } : {}),
  };
}

/**
 * Every table of one run, in page order: the headline (or, for an idle run, what waiting
 * cost), traffic, resources, capacity. Both renderers print exactly these.
 */
export function runTables(results: Results, run: Run): Table[] {
  const out: Table[] = [];
  if (transportsOf(run).length > 0) {
    // The RSS rule is said once, under the first run's table.
    const note = run === results.runs.find((x) => transportsOf(x).length > 0) ? rssNote(results) : null;
    out.push(
      isIdleRun(run) ? idleTable(run) : headlineTable(run),
      trafficTable(run),
      resourcesTable(run, rssNoise(results), note),
    );
  }
  const cap = capacityTable(run);
  if (cap) out.push(cap);
  return out;
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

/**
 * The model section of a run, one line per transport: how its latency and cost follow from
 * the protocol; for an idle run, what waiting sends instead (there is no latency to explain).
 */
export function modelLines(run: Run): Array<[TransportName, string]> {
  const idle = isIdleRun(run);
  return transportsOf(run).map(([t, r]) => {
    if (!idle) return [t, r.model.explanation];
    const beat = beatOf(t, r);
    const perMin = beatBytesPerMinute(beat);
    const cost = perMin === null ? 'its size is measured, not modelled' : `${bytes(perMin)} per client per minute`;
    return [t, `With nothing to deliver, ${TRANSPORT_LABEL.en[t]} costs ${beat.en}: ${cost}.`];
  });
}
