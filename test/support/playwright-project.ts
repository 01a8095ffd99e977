import { existsSync } from 'node:fs';
import { devices, type PlaywrightTestConfig, type Project } from '@playwright/test';

/**
 * The one browser both Playwright configs run (playwright.config.ts: behaviour, in `npm test`;
 * playwright.perf.config.ts: timing verdicts, in `npm run test:perf`). Here (and in CI) that is
 * Debian's `chromium` package: `CHROMIUM_PATH` or `/usr/bin/chromium`. Elsewhere, without
 * either, Playwright's own build is used (`npx playwright install chromium`). Under CI=true a
 * missing browser is an error.
 */
const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const executablePath = existsSync(candidate) ? candidate : undefined;
if (!executablePath && process.env.CI === 'true') {
  throw new Error(`CI=true but no Chromium at ${candidate}: install Debian's chromium or set CHROMIUM_PATH`);
}

export const chromiumProject: Project = {
  name: 'chromium',
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
};

/**
 * What both configs share: one retry-less run in Chromium, traces and screenshots of failures.
 * The traces keep each action's DOM snapshot but no screencast: a screencast encodes frames of
 * every page for the whole run, pass or fail, and the dashboard redraws all the time.
 */
export const baseConfig: PlaywrightTestConfig = {
  testMatch: '*.spec.ts',
  retries: 0,
  forbidOnly: process.env.CI === 'true',
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 720 },
    trace: { mode: 'retain-on-failure', screenshots: false },
    screenshot: 'only-on-failure',
  },
  projects: [chromiumProject],
};
