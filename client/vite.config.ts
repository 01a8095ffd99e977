import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Builds the dashboard (client/dashboard) into dist/page, which the Koa server serves at `/`.
 * Everything is bundled: the page works offline, with no CDN. `npm run dev:page` proxies the
 * API and the WebSocket to a server on :3000 for hot reload.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./dashboard', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/page', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No source maps in the served build: the server does not serve them (they would publish the source).
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/healthz': 'http://127.0.0.1:3000',
      '/ws': { target: 'ws://127.0.0.1:3000', ws: true },
    },
  },
});
