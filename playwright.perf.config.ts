import { defineConfig } from '@playwright/test';
import { baseConfig } from './test/support/playwright-project.ts';

/**
 * The dashboard's timing verdicts (test/perf/e2e): what the page measures on default settings
 * over minutes, and how fast tabs deliver. Run by `npm run test:perf` after the node:test
 * performance files, one test at a time so they do not load each other.
 */
export default defineConfig({
  ...baseConfig,
  testDir: 'test/perf/e2e',
  outputDir: 'test-results/perf',
  fullyParallel: false,
  workers: 1,
  timeout: 300_000,
});
