import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COLORS } from '../../client/dashboard/charts/setup.ts';
import { MIN_WIDTH, OUTCOME_STYLE, requestBars } from '../../client/dashboard/timeline-bars.ts';

/** Hue (0–360) and saturation (0–1) of a #rrggbb colour. */
function hueSat(hex: string): { hue: number; sat: number } {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  if (d === 0) return { hue: 0, sat: 0 };
  const hue = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return { hue: (hue * 60 + 360) % 360, sat: d / (1 - Math.abs(max + min - 1)) };
}

describe('timeline bars', () => {
  it('draws back-to-back requests as separate bars with a gap between them', () => {
    const x = (at: number) => at / 10; // 10 ms a pixel
    const records = [
      { kind: 'http', sentAt: 1000, doneAt: 5000, outcome: 'ok' as const },
      { kind: 'http', sentAt: 5000, doneAt: 9000, outcome: 'timeout' as const },
      { kind: 'event', sentAt: 6000, doneAt: 6000, outcome: 'ok' as const },
    ];
    const bars = requestBars(records, x, 0);
    assert.equal(bars.length, 2);
    const [a, b] = bars;
    assert.ok(a && b);
    assert.ok(b.x - (a.x + a.width) >= 2, 'a visible gap where one ends and the next begins');
  });

  it('keeps a request of a millisecond visible', () => {
    const [bar] = requestBars([{ kind: 'http', sentAt: 100, doneAt: 101, outcome: 'empty' }], (t) => t, 0);
    assert.equal(bar?.width, MIN_WIDTH);
  });

  it('draws no outcome in a colour that could be read as a transport', () => {
    for (const [outcome, style] of Object.entries(OUTCOME_STYLE)) {
      const o = hueSat(style.fill);
      for (const [name, color] of Object.entries(COLORS)) {
        const c = hueSat(color);
        const hueGap = Math.min(Math.abs(o.hue - c.hue), 360 - Math.abs(o.hue - c.hue));
        assert.ok(o.sat < 0.2 || hueGap > 25, `${outcome} ${style.fill} vs ${name} ${color}`);
      }
    }
  });
});
