import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.PORTAL_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? '8787'}`;

// The dashboard is a static app served by the same Hono server as the API (server/web-static.ts).
// In development Vite serves it and forwards /api to the running API server.
export default defineConfig({
  root: webRoot,
  base: '/',
  // (Module-preloading Plot from the HTML was tried: parsing it then delays the entry script on a
  // busy machine, so Plot is fetched when a page asks for it, alongside that page's data.)
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Page chunks (and Plot inside them) are loaded on demand; the entry stays small.
    chunkSizeWarningLimit: 600,
    assetsDir: 'assets',
    // dist/.vite/manifest.json: which chunks each page loads (test/e2e/bundle-size.ts reads it).
    manifest: true,
    rolldownOptions: {
      output: {
        // Left alone, the bundler splits Plot into its core and a 1–5 KB file per mark by which
        // pages use them, and a first view then waits on that many more requests (six at a time
        // over HTTP/1.1) and module instantiations. Plot (with d3) is one chunk instead, shared
        // and cached by every page. Only node_modules are captured: a group takes its modules'
        // imports with it, and the app's own modules import the shell's (preact, formatting),
        // which would then move out of the entry.
        codeSplitting: {
          groups: [{ name: 'plot', test: /node_modules[\\/](@observablehq|d3-|isoformat|interval-tree1d|binary-search-bounds)[\\/]/ }],
        },
      },
    },
  },
  server: {
    port: Number(process.env.WEB_PORT ?? 5173),
    strictPort: false,
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  preview: { proxy: { '/api': { target: apiTarget } } },
});
