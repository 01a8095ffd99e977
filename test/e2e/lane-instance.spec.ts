import { expect, ready, TRANSPORTS, test } from './fixtures.ts';

test.describe('the lanes', () => {
  test('each lane names the server instance that served it (X-Pushrace-Instance, the hello)', async ({
    page,
    server,
  }) => {
    await ready(page);
    for (const name of TRANSPORTS) {
      const lane = page.locator(`[data-lane="${name}"]`);
      await expect(lane).toHaveAttribute('data-instance', server.config.instance, { timeout: 10_000 });
      await expect(lane.locator('.lane-stats')).toContainText(`served by ${server.config.instance}`);
    }
  });
});
