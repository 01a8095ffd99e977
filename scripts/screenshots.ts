/**
 * Writes the README's screenshots (docs/screenshots/*.png): each view of the dashboard at
 * 1280×720 against a real server with the ticker and log sources, plus the race view in
 * Chinese. Run `npm run build:page` first, then `npx tsx scripts/screenshots.ts`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Page } from '@playwright/test';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';

const OUT = 'docs/screenshots';
const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const server = await startServer(
  loadConfig({}, [], { port: 0, sources: ['ticker', 'log'], logRate: 2, tickerIntervalMs: 700, publishRate: 0 }),
);
const browser = await chromium.launch({
  ...(existsSync(candidate) ? { executablePath: candidate } : {}),
  args: ['--no-sandbox', '--disable-gpu'],
});
mkdirSync(OUT, { recursive: true });

async function open(lang: 'en' | 'zh'): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 720 },
    locale: lang === 'zh' ? 'zh-CN' : 'en-US',
  });
  const page = await context.newPage();
  await page.goto(server.url);
  return page;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  const page = await open('en');
  await settle(6000);
  await page.getByLabel('Chat').fill('hello from the projector <b>not bold</b>');
  await page.getByRole('button', { name: 'Publish' }).click();
  await settle(2500);
  await page.screenshot({ path: `${OUT}/race.png` });
  await page.getByRole('tab', { name: 'Charts' }).click();
  await settle(2500);
  await page.screenshot({ path: `${OUT}/charts.png`, fullPage: true });
  await page.getByRole('tab', { name: 'Wire inspector' }).click();
  await settle(1500);
  await page.screenshot({ path: `${OUT}/inspector.png`, fullPage: true });
  await page.getByRole('tab', { name: 'Single' }).click();
  await settle(1500);
  await page.locator('#single-switcher input[value="poll"]').check();
  await settle(2500);
  await page.locator('#single-switcher input[value="sse"]').check();
  await settle(1500);
  await page.screenshot({ path: `${OUT}/single.png` });

  const zh = await open('zh');
  await settle(5000);
  await zh.screenshot({ path: `${OUT}/race-zh.png` });
  console.log(`screenshots written to ${OUT}/`);
} finally {
  await browser.close();
  await server.close();
}
