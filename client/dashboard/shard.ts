/**
 * Where this tab's lanes connect. A browser opens at most six HTTP/1.1 connections per host
 * (Chromium, Firefox, Safari alike), and SSE streams and long-polls each hold one for as long as
 * they run: two tabs of the race view hold four, a third tab's two more fill the pool, and from
 * then on every other request to that host (a poll, a publish, the stats) waits in the browser's
 * queue. So a tab opens its lanes on a host name of its own, `<tab>.localhost`, which resolves
 * to this machine and which the browser counts as another host ("domain sharding", the
 * HTTP/1.1 workaround that HTTP/2's one multiplexed connection made unnecessary). The server
 * allows these names, and only these, to read the feed cross-origin (server/http/cors.ts).
 */

/** Host names that are this machine by definition, so `<tab>.localhost` reaches the same server. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '127.0.0.1' || h === '::1';
}

/** A fresh DNS label for this tab: lower case (host names are), 8 characters. */
export function newTabLabel(random: () => number = Math.random): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = 'tab-';
  for (let i = 0; i < 6; i++) s += alphabet[Math.floor(random() * alphabet.length)] ?? 'a';
  return s;
}

/**
 * The origin the lanes use: the tab's own `<label>.localhost` on the page's port when the page
 * is served over plain http from a loopback name (a certificate would not cover the new name,
 * and on a LAN address `*.localhost` would be the viewer's own machine), else the page's own.
 */
export function laneOrigin(
  page: { protocol: string; hostname: string; port: string; origin: string },
  label: string,
  shared: boolean,
): string {
  if (shared || page.protocol !== 'http:' || !isLoopbackHost(page.hostname)) return page.origin;
  return `http://${label}.localhost${page.port ? `:${page.port}` : ''}`;
}

/** `host:port` of an origin: the browser's connection group, as the page shows it. */
export function hostOf(origin: string): string {
  return new URL(origin).host;
}
