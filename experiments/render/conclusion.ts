/**
 * The report's conclusion in plain language, English and Chinese, computed from the data:
 * every number in a sentence is a number from results.json, next to what the model said.
 * Each fact is one `Sentence` carrying both languages, so the two versions cannot drift apart.
 */
import type { TransportName } from '../../protocol/wire.ts';
import { requestsPerSecPerClient, transportsOf } from '../derived.ts';
import { bytes, int, ms, num, percent } from '../format.ts';
import { longPollRequestsPerBatch } from '../model.ts';
import type { Results, Run, TargetCheck, TransportResult } from '../results-schema.ts';
import { idleAt } from './conclusion-idle.ts';
import { SWEEP_AXIS_LABEL, TRANSPORT_LABEL } from './labels.ts';
import { runNameZh } from './run-names.ts';
import { departsFromModel, requestCrossover, type SweepAxis, series, sweepAxis } from './sweep.ts';
import { targetZh } from './target-names.ts';

/** One fact, said in both languages. */
export interface Sentence {
  en: string;
  zh: string;
}

const en = (t: TransportName) => TRANSPORT_LABEL.en[t];
const zh = (t: TransportName) => TRANSPORT_LABEL.zh[t];

function joinEn(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function integrity(results: Results): Sentence | null {
  const all = results.runs.flatMap((run) => transportsOf(run).map(([t, r]) => ({ run, t, r })));
  if (all.length === 0) return null;
  const expected = all.reduce((s, x) => s + x.r.expected, 0);
  const bad = all.filter(({ r }) => r.lost > 0 || r.duplicated > 0 || r.outOfOrder > 0);
  if (bad.length > 0) {
    const partsEn = bad.map(
      ({ run, t, r }) =>
        `${en(t)} in “${run.label}” lost ${int(r.lost)} of ${int(r.expected)}, duplicated ${int(r.duplicated)}, reordered ${int(r.outOfOrder)}`,
    );
    const partsZh = bad.map(
      ({ run, t, r }) =>
        `“${runNameZh(results.scenario, run)}”中${zh(t)}丢失 ${int(r.expected)} 条中的 ${int(r.lost)} 条，重复 ${int(r.duplicated)} 条，乱序 ${int(r.outOfOrder)} 条`,
    );
    return {
      en: `BUG: ${partsEn.join('; ')}. Lost and duplicated must be 0: these figures describe a defect, not the transport.`,
      zh: `缺陷：${partsZh.join('；')}。丢失与重复必须为 0：这些数字说明的是缺陷，而不是传输方式本身。`,
    };
  }
  if (expected === 0) {
    return {
      en: 'No message was published in the measured window, so there was nothing to lose.',
      zh: '测量窗口内没有发布任何消息，因此不存在丢失。',
    };
  }
  return {
    en: `Every published message reached every client exactly once and in order (${int(expected)} deliveries checked).`,
    zh: `每条发布的消息都恰好一次、按顺序送达了每个客户端（共核对 ${int(expected)} 次投递）。`,
  };
}

function saturation(results: Results): Sentence | null {
  const hit = results.runs.flatMap((run) =>
    transportsOf(run)
      .filter(([, r]) => r.client.saturated)
      .map(([t]) => ({ run, t })),
  );
  if (hit.length === 0) return null;
  return {
    en: `The client core was saturated for ${hit.map(({ run, t }) => `${en(t)} in “${run.label}”`).join(', ')}: those latencies measure the client, not the transport.`,
    zh: `${hit.map(({ run, t }) => `“${runNameZh(results.scenario, run)}”中${zh(t)}`).join('、')}的客户端 CPU 已饱和：这些延迟反映的是客户端，而不是传输方式。`,
  };
}

function latencyAt(scenario: string, run: Run): Sentence | null {
  const measured = transportsOf(run).flatMap(([t, r]) => (r.latency ? [{ t, r, l: r.latency }] : []));
  if (measured.length === 0) return null;
  const part =
    (lang: 'en' | 'zh') =>
    ({ t, r, l }: (typeof measured)[number]) => {
      const [open, close, word] = lang === 'en' ? [' (', ')', 'model'] : ['（', '）', '模型'];
      const name = lang === 'en' ? en(t) : zh(t);
      return `${name} ${num(l.p50)} / ${ms(l.p99)}${open}${word} ${num(r.model.latency.p50)} / ${ms(r.model.latency.p99)}${close}`;
    };
  const fastest = measured.reduce((a, b) => (b.l.p50 < a.l.p50 ? b : a));
  return {
    en: `In “${run.label}”, delivery latency p50 / p99 was: ${measured.map(part('en')).join('; ')}. Lowest median: ${en(fastest.t)}.`,
    zh: `在“${runNameZh(scenario, run)}”中，投递延迟 p50 / p99 为：${measured.map(part('zh')).join('；')}。中位延迟最低：${zh(fastest.t)}。`,
  };
}

function requestsAt(run: Run): Sentence | null {
  const rs = transportsOf(run);
  if (rs.length === 0 || rs.every(([, r]) => r.delivered === 0)) return null;
  const http = rs.filter(
    ([t, r]) => r.requestsPerDelivered !== null && (t === 'poll' || t === 'long-poll' || r.requests > 0),
  );
  const quiet = rs.filter(([t, r]) => (t === 'sse' || t === 'ws') && r.requests === 0);
  const partEn = ([t, r]: [TransportName, TransportResult]) =>
    `${en(t)} ${num(r.requestsPerDelivered ?? 0)} (model ${r.model.requestsPerDelivered === null ? '—' : num(r.model.requestsPerDelivered)}${r.emptyRatio ? `; ${percent(r.emptyRatio)} answered empty` : ''})`;
  const partZh = ([t, r]: [TransportName, TransportResult]) =>
    `${zh(t)} ${num(r.requestsPerDelivered ?? 0)} 个（模型 ${r.model.requestsPerDelivered === null ? '—' : num(r.model.requestsPerDelivered)}${r.emptyRatio ? `；${percent(r.emptyRatio)} 的回答为空` : ''}）`;
  const tailEn = quiet.length > 0 ? ` ${joinEn(quiet.map(([t]) => en(t)))} made no request after connecting.` : '';
  const tailZh = quiet.length > 0 ? `${quiet.map(([t]) => zh(t)).join(' 和 ')} 连接后没有再发出请求。` : '';
  if (http.length === 0) return { en: tailEn.trim(), zh: tailZh };
  return {
    en: `Requests per delivered message: ${http.map(partEn).join(', ')}.${tailEn}`,
    zh: `每投递一条消息的请求数：${http.map(partZh).join('，')}。${tailZh}`,
  };
}

/**
 * Long-poll in bursts: requests per burst against the model's (the release carries the first
 * message, the re-request the rest), and what any extra requests were. Every extra request
 * delivered something (none was empty, none timed out), so each carried part of a burst that
 * was not yet stored when the re-request was read.
 */
function burstRequests(scenario: string, run: Run): Sentence | null {
  const r = run.transports['long-poll'];
  const k = r?.model.inputs.burstSize ?? 1;
  if (!r || k <= 1 || r.clients === 0 || r.expected === 0) return null;
  const bursts = r.expected / r.clients / k;
  const measured = r.requests / r.clients / bursts;
  const model = longPollRequestsPerBatch(r.model.inputs);
  const gap = measured - model;
  const name = { en: run.label, zh: runNameZh(scenario, run) };
  const base = {
    en: `In “${name.en}”, long-poll took ${num(measured)} requests per burst of ${int(k)} (model ${num(model)}: the first publish releases the held request with one message, the re-request takes the other ${int(k - 1)} at once).`,
    zh: `在“${name.zh}”中，长轮询每次突发（${int(k)} 条）用了 ${num(measured)} 个请求（模型 ${num(model)}：第一次发布以一条消息释放挂起的请求，重新请求一次取回其余 ${int(k - 1)} 条）。`,
  };
  if (Math.abs(gap) < 0.05 * model) return base;
  if (gap > 0 && r.emptyResponses === 0 && r.timeouts === 0) {
    // Their response heads are what the header bytes per message have above the model.
    const heads = r.requests > 0 ? (gap * (r.bytes.out.header / r.requests)) / k : 0;
    const modelHeader = r.model.bytesPerDelivered?.out.header;
    const measuredHeader = r.bytes.perDelivered.header;
    const bytesEn =
      modelHeader !== undefined && measuredHeader !== null
        ? ` Their response heads add ${bytes(heads)} per message to the model's ${bytes(modelHeader)} of headers: ${bytes(modelHeader + heads)}, against ${bytes(measuredHeader)} measured.`
        : '';
    const bytesZh =
      modelHeader !== undefined && measuredHeader !== null
        ? `这些请求的应答头使每条消息的头部开销在模型的 ${bytes(modelHeader)} 之上再增加 ${bytes(heads)}：共 ${bytes(modelHeader + heads)}，实测 ${bytes(measuredHeader)}。`
        : '';
    return {
      en: `${base.en} The extra ${num(gap)} per burst each delivered part of a burst: the burst's ${int(k)} publishes were still being stored when some re-requests arrived, so those were held again and released by the next publish.${bytesEn}`,
      zh: `${base.zh}多出的每次 ${num(gap)} 个请求都带回了突发的一部分：部分重新请求到达时这 ${int(k)} 次发布尚未全部存入，于是再次挂起，由下一次发布释放。${bytesZh}`,
    };
  }
  return {
    en: `${base.en} It departs from the model by ${num(gap)} per burst (${int(r.emptyResponses)} empty answers, ${int(r.timeouts)} timeouts).`,
    zh: `${base.zh}与模型相差每次 ${num(gap)} 个请求（空应答 ${int(r.emptyResponses)} 个，超时 ${int(r.timeouts)} 次）。`,
  };
}

function bytesAt(run: Run): Sentence | null {
  const rs = transportsOf(run).filter(([, r]) => r.bytes.perDelivered.header !== null);
  if (rs.length === 0) return null;
  const sorted = [...rs].sort(
    ([, a], [, b]) => (a.bytes.perDelivered.header ?? 0) - (b.bytes.perDelivered.header ?? 0),
  );
  const model = (r: TransportResult) => r.model.bytesPerDelivered?.out.header;
  const part = (name: string, r: TransportResult, word: string) => {
    const m = model(r);
    const [open, close] = word === 'model' ? [' (', ')'] : ['（', '）'];
    return `${name} ${bytes(r.bytes.perDelivered.header ?? 0)}${m === undefined ? '' : `${open}${word} ${bytes(m)}${close}`}`;
  };
  const payloads = rs.map(([, r]) => r.bytes.perDelivered.payload ?? 0);
  const lo = bytes(Math.min(...payloads));
  const hi = bytes(Math.max(...payloads));
  const range = lo === hi ? lo : `${lo}–${hi}`;
  return {
    en: `Headers and framing the server sent per delivered message: ${sorted.map(([t, r]) => part(en(t), r, 'model')).join(', ')}; payload per message: ${range}.`,
    zh: `服务器为每条投递消息发送的头部与帧开销：${sorted.map(([t, r]) => part(zh(t), r, '模型')).join('，')}；每条消息的有效载荷：${range}。`,
  };
}

function axisName(axis: SweepAxis): { en: string; zh: string; unit: string } {
  return SWEEP_AXIS_LABEL[axis.key] ?? { en: axis.key, zh: axis.key, unit: '' };
}

/** A sweep x with its unit: `500 ms`, `10,000`. */
function at(axis: SweepAxis, x: number): string {
  const unit = axisName(axis).unit;
  return unit ? `${num(x)} ${unit}` : num(x);
}

function crossover(results: Results, axis: SweepAxis): Sentence | null {
  if (axis.key !== 'pollIntervalMs') return null;
  const polls = series(results.runs, 'poll', requestsPerSecPerClient);
  const longs = series(results.runs, 'long-poll', requestsPerSecPerClient);
  if (!polls.some((x) => x !== null) || !longs.some((x) => x !== null)) return null;
  const name = axisName(axis);
  const c = requestCrossover(results, axis);
  const model = c.model === null ? 'none in range' : at(axis, c.model);
  const modelZh = c.model === null ? '范围内无' : at(axis, c.model);
  if (c.measured === null) {
    const i = polls.findIndex((p, k) => p !== null && longs[k] !== null);
    const more = (polls[i] ?? 0) > (longs[i] ?? 0);
    const lo = num(Math.min(...axis.xs));
    const hi = at(axis, Math.max(...axis.xs));
    return {
      en: `Across ${name.en} ${lo}–${hi}, polling always made ${more ? 'more' : 'fewer'} requests per client than long-poll: no crossover in range (model: ${model}).`,
      zh: `在${name.zh} ${lo}–${hi} 的整个范围内，轮询每个客户端的请求数始终${more ? '多于' : '少于'}长轮询：范围内没有交叉点（模型：${modelZh}）。`,
    };
  }
  const x = c.measured;
  const nearest = axis.xs.reduce(
    (best, xi, i) => (Math.abs(xi - x) < Math.abs((axis.xs[best] ?? 0) - x) ? i : best),
    0,
  );
  const p50 = results.runs[nearest]?.transports.poll?.latency?.p50;
  const lp50 = results.runs[nearest]?.transports['long-poll']?.latency?.p50;
  const near = at(axis, axis.xs[nearest] ?? x);
  const latEn =
    p50 !== undefined && lp50 !== undefined
      ? ` At ${near} polling's median latency was ${ms(p50)}, long-poll's ${ms(lp50)}.`
      : '';
  const latZh =
    p50 !== undefined && lp50 !== undefined ? `在 ${near} 时，轮询的中位延迟为 ${ms(p50)}，长轮询为 ${ms(lp50)}。` : '';
  return {
    en: `Polling made more requests per client than long-poll at a ${name.en} below ≈ ${at(axis, x)} (model ${model}); above it polling makes fewer requests but is slower.${latEn}`,
    zh: `当${name.zh}低于约 ${at(axis, x)}（模型 ${modelZh}）时，轮询每个客户端的请求数多于长轮询；高于该点轮询请求更少，但延迟更高。${latZh}`,
  };
}

function departures(results: Results, axis: SweepAxis): Sentence | null {
  const present = [...new Set(results.runs.flatMap((run) => transportsOf(run).map(([t]) => t)))];
  const name = axisName(axis);
  const partsEn: string[] = [];
  const partsZh: string[] = [];
  let deviating = 0;
  for (const t of present) {
    const i = results.runs.findIndex((run) => {
      const r = run.transports[t];
      return r !== undefined && departsFromModel(r);
    });
    const r = results.runs[i]?.transports[t];
    if (i < 0 || !r?.latency) {
      partsEn.push(`${en(t)} followed it at every point`);
      partsZh.push(`${zh(t)}在每个点都与模型相符`);
      continue;
    }
    const x = at(axis, axis.xs[i] ?? Number.NaN);
    deviating++;
    partsEn.push(`${en(t)} departed from ${x} on (p99 ${ms(r.latency.p99)}, model ${ms(r.model.latency.p99)})`);
    partsZh.push(`${zh(t)}从 ${x} 起偏离模型（p99 ${ms(r.latency.p99)}，模型 ${ms(r.model.latency.p99)}）`);
  }
  if (partsEn.length === 0) return null;
  if (deviating === 0) {
    return {
      en: `Every transport followed its model at every point of the sweep over ${name.en} (none had a p99 above twice the model's + 5 ms).`,
      zh: `沿${name.zh}的整个扫描中，每种传输方式在每个点都与其模型相符（没有 p99 超过模型值两倍加 5 ms 的情况）。`,
    };
  }
  return {
    en: `Against the model across ${name.en} (departing = p99 above twice the model's + 5 ms): ${partsEn.join('; ')}.`,
    zh: `沿${name.zh}与模型对照（偏离 = p99 超过模型值的两倍加 5 ms）：${partsZh.join('；')}。`,
  };
}

function capacity(results: Results): Sentence[] {
  return results.runs.flatMap((run) => {
    const c = run.capacity;
    if (!c) return [];
    return [
      {
        en: `Under the same load the poll route served ${int(c.poll.requestsPerSec)} req/s, ${num(c.ratio)}× a bare Koa route (${int(c.bare.requestsPerSec)} req/s).`,
        zh: `在同样的负载下，轮询接口每秒处理 ${int(c.poll.requestsPerSec)} 个请求，是裸 Koa 路由（每秒 ${int(c.bare.requestsPerSec)} 个）的 ${num(c.ratio)} 倍。`,
      },
    ];
  });
}

function measuredText(t: TargetCheck): string {
  return t.unit === 'bytes' ? bytes(t.measured) : `${num(t.measured)} ${t.unit}`;
}

function targets(checks: readonly TargetCheck[] | undefined): Sentence | null {
  if (!checks || checks.length === 0) return null;
  const missed = checks.filter((t) => !t.met);
  if (missed.length === 0 && checks.length === 1) {
    return {
      en: 'The one performance target this run exercised was met.',
      zh: '本次运行涉及的 1 项性能目标已达成。',
    };
  }
  if (missed.length === 0) {
    return {
      en: `All ${checks.length} performance targets this run exercised were met.`,
      zh: `本次运行涉及的 ${checks.length} 项性能目标全部达成。`,
    };
  }
  return {
    en: `${checks.length - missed.length} of ${checks.length} performance targets met; missed: ${missed.map((t) => `${t.name} (measured ${measuredText(t)}, required ${t.target})`).join('; ')}.`,
    zh: `${checks.length} 项性能目标中达成 ${checks.length - missed.length} 项；未达成：${missed
      .map((t) => {
        const z = targetZh(t);
        return `${z.name}（实测 ${z.measured}，要求：${z.required}）`;
      })
      .join('；')}。`,
  };
}

/** A space between Chinese characters and a Latin word next to them (“中 WebSocket 的”), as Chinese typesetting does. */
function spaced(zh: string): string {
  return zh.replace(/([\u4e00-\u9fff])([A-Za-z])/g, '$1 $2').replace(/([A-Za-z])([\u4e00-\u9fff])/g, '$1 $2');
}

/**
 * The conclusion, most important first: delivery integrity, client saturation, then per run
 * (for a sweep: its first and last point) latency, requests and bytes against the model, the
 * sweep's crossover and departures, capacity, targets.
 */
export function conclusion(results: Results): Sentence[] {
  const axis = sweepAxis(results);
  const first = results.runs[0];
  const last = results.runs[results.runs.length - 1];
  const shown = axis && first && last ? [first, last] : results.runs;
  const perRun = shown.flatMap((run) => [
    latencyAt(results.scenario, run),
    requestsAt(run),
    burstRequests(results.scenario, run),
    bytesAt(run),
    ...idleAt(run),
  ]);
  const sweep = axis ? [crossover(results, axis), departures(results, axis)] : [];
  const all = [
    integrity(results),
    saturation(results),
    ...perRun,
    ...sweep,
    ...capacity(results),
    targets(results.targets),
  ];
  return all.filter((s): s is Sentence => s !== null && s.en !== '').map((s) => ({ en: s.en, zh: spaced(s.zh) }));
}
