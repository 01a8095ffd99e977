/**
 * Number formatting shared by the model's explanations, the tables and the conclusions, so the
 * same figure reads the same everywhere. Deterministic (no locale): reports are compared by diff.
 */

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A measurement to three significant digits, integers above 100, no trailing zeros:
 * 1234.5 → `1,235`, 49.73 → `49.7`, 1.0 → `1`, 0.853 → `0.853`, 0.000123 → `0.000123`.
 */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  const s = a >= 100 ? Math.round(a).toString() : String(Number.parseFloat(a.toPrecision(3)));
  const [i = '', f] = s.split('.');
  const body = f !== undefined ? `${group(i)}.${f}` : group(i);
  return x < 0 && body !== '0' ? `-${body}` : body;
}

/** Milliseconds: `497 ms`. */
export function ms(x: number): string {
  return `${num(x)} ms`;
}

/** A duration: `850 ms`, `12.5 s`, `61 s`. */
export function duration(msValue: number): string {
  return msValue >= 10_000 ? `${num(msValue / 1000)} s` : ms(msValue);
}

/** Bytes in binary units: `890 B`, `24.1 KiB`, `3.2 MiB`. */
export function bytes(x: number): string {
  const a = Math.abs(x);
  if (a >= 1024 * 1024) return `${num(x / (1024 * 1024))} MiB`;
  if (a >= 10 * 1024) return `${num(x / 1024)} KiB`;
  return `${num(x)} B`;
}

/** A fraction as a percentage: 0.904 → `90%`, 0.0042 → `0.42%`. */
export function percent(fraction: number): string {
  return `${num(fraction * 100)}%`;
}

/** Integer counts with grouping: 10000 → `10,000`. */
export function int(x: number): string {
  return group(String(Math.round(x)));
}
