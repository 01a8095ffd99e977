import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests in real Chromium. Here (and in CI) that is Debian's `chromium` package:
 * `CHROMIUM_PATH` or `/usr/bin/chromium`. Elsewhere, without either, Playwright's own build
 * is used (`npx playwright install chromium`). Under CI=true a missing browser is an error.
 */
const candidate = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const executablePath = existsSync(candidate) ? candidate : undefined;
if (!executablePath && process.env.CI === 'true') {
  throw new Error(`CI=true but no Chromium at ${candidate}: install Debian's chromium or set CHROMIUM_PATH`);
}

const PORT = Number(process.env.E2E_PORT ?? 3137);

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  forbidOnly: process.env.CI === 'true',
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1280, height: 720 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 720 },
        launchOptions: {
          executablePath,
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
    },
  ],
  webServer: {
    command: `node --import tsx server/main.ts --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: { SOURCES: 'ticker', PUBLISH_RATE: '0' },
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
