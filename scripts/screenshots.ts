/**
 * Writes the README's screenshots (docs/screenshots/*.png) against a real server with the
 * ticker and log sources (random timing, the default): each view of the dashboard at 1280×720,
 * the race view in Chinese at 1280 and at 800 px, and three tabs on one host showing the
 * browser's connection limit. Run `npm run build:page` first, then `npx tsx scripts/screenshots.ts`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from '@playwright/test';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';

const OUT = 'docs/screenshots';
const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const server = await startServer(
  loadConfig({}, [], { port: 0, sources: ['ticker', 'log'], logRate: 2, publishRate: 0, logLevel: 'silent' }),
);
const browser = await chromium.launch({
  ...(existsSync(candidate) ? { executablePath: candidate } : {}),
  args: ['--no-sandbox', '--disable-gpu'],
});
mkdirSync(OUT, { recursive: true });

async function context(lang: 'en' | 'zh', width = 1280, height = 720): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width, height }, locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
}

async function open(ctx: BrowserContext, query = ''): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${server.url}/${query}`);
  return page;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  const page = await open(await context('en'));
  await settle(6000);
  await page.getByLabel('Chat').fill('hello from the projector <b>not bold</b>');
  await page.getByRole('button', { name: 'Publish' }).click();
  await settle(2500);
  await page.screenshot({ path: `${OUT}/race.png` });
  // the demo's pause: SSE catches up, marked as such
  await page.locator('[data-lane="sse"] button.pause').click();
  await settle(2500);
  await page.locator('[data-lane="sse"] button.pause').click();
  await page.getByRole('button', { name: 'Burst', exact: true }).click();
  await settle(4000);
  await page.getByRole('tab', { name: 'Charts' }).click();
  await settle(2500);
  await page.screenshot({ path: `${OUT}/charts.png`, fullPage: true });
  await page.getByRole('tab', { name: 'Wire inspector' }).click();
  await settle(1500);
  await page.getByRole('button', { name: 'Send a frame over this page’s WebSocket' }).click();
  await settle(1500);
  await page.screenshot({ path: `${OUT}/inspector.png`, fullPage: true });
  await page.getByRole('tab', { name: 'Single' }).click();
  await settle(1500);
  await page.locator('#single-switcher input[value="poll"]').check();
  await settle(2500);
  await page.locator('#single-switcher input[value="sse"]').check();
  await settle(1500);
  await page.screenshot({ path: `${OUT}/single.png` });

  const zh = await open(await context('zh'));
  await settle(5000);
  await zh.screenshot({ path: `${OUT}/race-zh.png` });
  const narrow = await open(await context('zh', 800, 1000));
  await settle(5000);
  await narrow.screenshot({ path: `${OUT}/race-800-zh.png`, fullPage: true });
  await narrow.getByRole('tab', { name: '图表' }).click();
  await settle(2500);
  await narrow.screenshot({ path: `${OUT}/charts-800-zh.png`, fullPage: true });

  // three tabs on one host: the third fills the browser's six connections, and the page says so
  const shared = await context('en');
  const tabs: Page[] = [];
  for (let i = 0; i < 3; i++) tabs.push(await open(shared, '?hosts=one'));
  await settle(5000);
  await tabs[2]?.screenshot({ path: `${OUT}/tabs-limit.png` });
  console.log(`screenshots written to ${OUT}/`);
} finally {
  await browser.close();
  await server.close();
}
