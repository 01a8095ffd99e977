import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import { peersFixture } from '../../experiments/fixtures/peers.ts';
import {
  capacityFixture,
  idleFixture,
  scaleFixture,
  soakFixture,
  steadyFixture,
  sweepFixture,
} from '../../experiments/fixtures/scenarios.ts';
import { renderReport } from '../../experiments/report.ts';
import type { ResultsFile } from '../../experiments/results-schema.ts';

/** Writes `results` to a fresh directory and renders the report there, as `npm run report` does. */
async function rendered(results: ResultsFile): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pushrace-report-'));
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  const paths = await renderReport(dir);
  return pathToFileURL(paths.html).href;
}

/** Opens a report, recording console errors and every request the page makes. */
async function open(page: Page, url: string) {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-charts-ready', /^\d+$/);
  return { errors, requests };
}

/** For every canvas: its size and how many pixels are not fully transparent. */
function paintedPixels(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((c) => {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0 || c.height === 0) return { id: c.id, painted: 0 };
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
      return { id: c.id, painted };
    }),
  );
}

const FIXTURES: Array<[string, () => ResultsFile]> = [
  ['steady', steadyFixture],
  ['interval-sweep', sweepFixture],
  ['idle', idleFixture],
  ['scale', scaleFixture],
  ['capacity', capacityFixture],
  ['soak', soakFixture],
  ['peers', peersFixture],
];

test.describe('report.html', () => {
  for (const [name, fixture] of FIXTURES) {
    test(`${name}: opens from file://, draws every chart, fetches nothing`, async ({ page }) => {
      const url = await rendered(fixture());
      const { errors, requests } = await open(page, url);

      const canvases = await paintedPixels(page);
      expect(canvases.length).toBeGreaterThan(0);
      expect(Number(await page.locator('body').getAttribute('data-charts-ready'))).toBe(canvases.length);
      for (const c of canvases) expect(c.painted, `canvas ${c.id} has drawn pixels`).toBeGreaterThan(500);

      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      expect(errors).toEqual([]);
    });
  }

  test('at 1280 px: no table scrolls sideways, one legend entry per transport, in every committed report', async ({
    page,
  }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const reference = join(import.meta.dirname, '../../reports/reference');
    const committed = readdirSync(reference, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => pathToFileURL(join(reference, d.name, 'report.html')).href);
    const made = await Promise.all(FIXTURES.map(([, fixture]) => rendered(fixture())));
    for (const url of [...committed, ...made]) {
      await open(page, url);
      const layout = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        tables: [...document.querySelectorAll('table')]
          .filter((t) => t.scrollWidth > t.clientWidth + 1)
          .map((t) => t.querySelector('th')?.parentElement?.textContent ?? ''),
        legends: [...document.querySelectorAll('canvas')].map((c) => {
          const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): unknown } }).Chart.getChart(
            c,
          ) as {
            legend?: { legendItems?: unknown[] };
          };
          return chart.legend?.legendItems?.length ?? 0;
        }),
      }));
      expect(layout.page, `${url}: the page scrolls sideways`).toBeLessThanOrEqual(0);
      expect(layout.tables, `${url}: tables wider than the page`).toEqual([]);
      for (const n of layout.legends) expect(n, `${url}: a legend of ${n} entries`).toBeLessThanOrEqual(6);
    }
  });

  test('shows the conclusion in English and Chinese, computed from the data', async ({ page }) => {
    await open(page, await rendered(sweepFixture()));
    await expect(page.locator('#conclusion p').first()).toContainText('exactly once');
    await expect(page.locator('#conclusion-zh')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.locator('#conclusion-zh')).toContainText('轮询');
    await expect(page.locator('#conclusion')).toContainText('below ≈ 500 ms');
  });

  test('peers: the ratio table in English and Chinese, a disturbed window said so', async ({ page }) => {
    await open(page, await rendered(peersFixture()));
    await expect(page.locator('#ratios table')).toContainText('socket.io 4, websocket only');
    await expect(page.locator('#ratios table')).toContainText('×');
    await expect(page.locator('#ratios-zh')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.locator('#ratios-zh')).toContainText('受到干扰');
    await expect(page.locator('#warnings')).toContainText('other processes took');
    // The ablation's breakdown: the meter's share, said in both languages.
    await expect(page.locator('#costs table')).toContainText('%');
    await expect(page.locator('#costs')).toContainText('without its byte meter');
    await expect(page.locator('#costs [lang="zh-CN"]')).toContainText('计量');
  });

  test('a label with markup is shown as text and cannot break out of the data script', async ({ page }) => {
    const results = steadyFixture();
    const evil = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    const first = results.runs[0];
    if (!first) throw new Error('fixture has no run');
    first.label = evil;
    results.warnings.push(evil);
    const { errors, requests } = await open(page, await rendered(results));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await expect(page.locator('#run-0 h2')).toHaveText(`Run: ${evil}`);
    await expect(page.locator('img')).toHaveCount(0);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('lost messages and a saturated client are shouted at the top', async ({ page }) => {
    const results = steadyFixture();
    const poll = results.runs[0]?.transports.poll;
    if (!poll) throw new Error('fixture has no poll result');
    poll.lost = 3;
    poll.client.saturated = true;
    await open(page, await rendered(results));
    const alarm = page.getByRole('alert');
    await expect(alarm).toContainText('LOST MESSAGES');
    await expect(alarm).toContainText('SATURATED CLIENT');
    const alarmTop = await alarm.evaluate((e) => e.getBoundingClientRect().top);
    const tableTop = await page
      .locator('table')
      .first()
      .evaluate((e) => e.getBoundingClientRect().top);
    expect(alarmTop).toBeLessThan(tableTop);
  });
});
