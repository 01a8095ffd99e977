/**
 * Latency distributions as mixtures of uniform pieces. Every transport's model is one: polling
 * is one uniform wait, SSE/WS a single point, long-poll a point plus the uniform wait of
 * messages that arrive while no request is held. Percentiles of a mixture have no closed form
 * in general, so `quantile` inverts the CDF numerically (it is monotone, bisection is exact
 * enough: 1e-9 ms).
 */

/** `weight` of the probability, uniform on `[lo, hi]`; `lo === hi` is a point mass. */
export interface Piece {
  weight: number;
  lo: number;
  hi: number;
}

function pieceCdf(p: Piece, x: number): number {
  if (x < p.lo) return 0;
  if (x >= p.hi) return 1;
  return (x - p.lo) / (p.hi - p.lo);
}

function live(pieces: readonly Piece[]): Piece[] {
  const kept = pieces.filter((p) => p.weight > 0);
  if (kept.length === 0) throw new Error('mixture: no piece has a positive weight');
  for (const p of kept) {
    if (!(Number.isFinite(p.lo) && Number.isFinite(p.hi) && p.hi >= p.lo)) {
      throw new Error(`mixture: bad piece [${p.lo}, ${p.hi}]`);
    }
  }
  return kept;
}

/** P(X ≤ x). */
export function cdf(pieces: readonly Piece[], x: number): number {
  const kept = live(pieces);
  const total = kept.reduce((s, p) => s + p.weight, 0);
  return kept.reduce((s, p) => s + p.weight * pieceCdf(p, x), 0) / total;
}

/** The smallest x with P(X ≤ x) ≥ q, for q in (0, 1]. */
export function quantile(pieces: readonly Piece[], q: number): number {
  if (!(q > 0 && q <= 1)) throw new Error(`mixture: quantile ${q} is not in (0, 1]`);
  const kept = live(pieces);
  let lo = Math.min(...kept.map((p) => p.lo));
  let hi = Math.max(...kept.map((p) => p.hi));
  if (cdf(kept, lo) >= q - 1e-12) return lo;
  for (let i = 0; i < 200 && hi - lo > 1e-9; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(kept, mid) >= q - 1e-12) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** E[X]. */
export function mean(pieces: readonly Piece[]): number {
  const kept = live(pieces);
  const total = kept.reduce((s, p) => s + p.weight, 0);
  return kept.reduce((s, p) => s + (p.weight * (p.lo + p.hi)) / 2, 0) / total;
}
