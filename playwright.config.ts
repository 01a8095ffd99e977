import { defineConfig } from '@playwright/test';
import { baseConfig } from './test/support/playwright-project.ts';

/**
 * End-to-end behaviour in real Chromium (`npm run test:e2e`, part of `npm test`): nothing here
 * may pass or fail on timing or load, so every bound is generous. Each worker runs its own
 * server (test/e2e/fixtures.ts), so the two workers share no state; the timing verdicts are in
 * playwright.perf.config.ts.
 */
export default defineConfig({
  ...baseConfig,
  testDir: 'test/e2e',
  outputDir: 'test-results',
  fullyParallel: true,
  workers: 2,
  timeout: 60_000,
});
