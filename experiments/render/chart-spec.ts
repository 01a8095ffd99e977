/**
 * What every chart of a report shares: where it goes on the page, and the options and scale
 * choice used by both the charts of one run (charts.ts) and those across a sweep
 * (sweep-charts.ts), so the two kinds look and scale alike.
 */
import type { ChartConfiguration, ChartDataset, ChartOptions } from 'chart.js';

/** One chart: where it goes (a run's section, or the sweep's), its title, and its config. */
export interface ChartSpec {
  id: string;
  /** Index into `results.runs`, or null for charts across runs (sweeps). */
  run: number | null;
  title: string;
  config: ChartConfiguration<'scatter'> | ChartConfiguration<'bar'>;
  /**
   * Datasets that share one legend entry (indices; the first one's label is shown, a click
   * toggles them all): a transport's measured line, model line and model marker are one
   * thing to a reader, and twelve entries for four transports are unreadable.
   */
  legendGroups?: number[][];
}

/**
 * Tick options for every axis: labels never rotated and never closer than 12 px (Chart.js
 * skips the ones that would be), at most 8 on a linear axis.
 */
export const TICKS = { autoSkip: true, autoSkipPadding: 12, maxRotation: 0, maxTicksLimit: 8 };

/** Options every chart has: no animation (the page is a document), sized by its box, titled. */
export function baseOptions(title: string) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { title: { display: true, text: title } },
  };
}

/** An xy chart: the shared options, its own scales. */
export function scatterChart(
  id: string,
  run: number | null,
  title: string,
  datasets: Array<ChartDataset<'scatter'>>,
  scales: ChartOptions<'scatter'>['scales'],
): ChartSpec {
  return {
    id,
    run,
    title,
    config: { type: 'scatter', data: { datasets }, options: { ...baseOptions(title), scales: withTicks(scales) } },
  };
}

/**
 * How a measured or modelled line is drawn, in its transport's colour: the measurement solid,
 * the model thinner and dashed, the same in every chart so a reader learns it once.
 */
export function lineStyle(color: string, model: boolean) {
  return {
    showLine: true,
    borderColor: color,
    backgroundColor: color,
    borderWidth: model ? 1.5 : 2,
    ...(model ? { borderDash: [6, 4] } : {}),
  };
}

/** A shown axis title. */
export function axisTitle(text: string) {
  return { display: true, text };
}

/** Whether a log axis reads better: the positive values span 30× or more. */
export function isLogWorthy(values: number[]): boolean {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return false;
  return Math.max(...positive) / Math.min(...positive) >= 30;
}

/** `scales` with `TICKS` on every axis (an axis's own tick options win). */
export function withTicks<S extends object | undefined>(scales: S): S {
  if (!scales) return scales;
  const out: Record<string, unknown> = {};
  for (const [k, axis] of Object.entries(scales)) {
    const a = (axis ?? {}) as { ticks?: object; type?: string };
    // A log axis places its own ticks (1, 2, 5 × 10^n are labelled); a limit would thin them to decades.
    const { maxTicksLimit, ...logTicks } = TICKS;
    out[k] = { ...a, ticks: { ...(a.type === 'logarithmic' ? logTicks : TICKS), ...a.ticks } };
  }
  return out as S;
}
