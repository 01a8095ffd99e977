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
  // One worker per core: a third (tried) makes each Chromium slower by more than it adds.
  workers: 2,
  // Failure detectors, not verdicts: generous, so a machine busy with other work does not fail a test.
  timeout: 120_000,
  expect: { timeout: 15_000 },
});
