/**
 * What the harness says while it runs. Progress bars and logs only listen to these: the
 * harness measures and returns data, and never prints (autocannon's progressTracker is kept
 * apart from its run in the same way).
 */

/** One thing the harness reports. */
export type HarnessEvent =
  /** A sweep point (Run) begins. */
  | { type: 'run'; label: string; index: number; total: number }
  /** A phase begins (connect, measure, catch up, …): one progress bar each. */
  | { type: 'phase'; name: string; total: number; unit: string }
  /** How far the current phase is, in its unit. */
  | { type: 'tick'; value: number }
  /** A line worth printing between bars: a warning, or what was found. */
  | { type: 'note'; message: string };

/** Listens to the harness. */
export type HarnessListener = (event: HarnessEvent) => void;
