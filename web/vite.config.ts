// The web faces of the platform, built into dist/web and served by `mykey serve` (src/http/web.ts): the citizen
// portal at /, the provider console at /provider/, the operator console at /operator/. One build, shared code and
// hashed assets under /assets/ (served with a year-long immutable cache; the HTML pages are never cached).
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    sourcemap: true,
    // No inline scripts or styles anywhere: the pages run under a strict Content-Security-Policy.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // The operator dashboard's ECharts chunk (line and bar charts, canvas renderer; about 530 kB, 180 kB gzipped) is
    // loaded only when a chart is drawn; every other chunk stays well below this.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        portal: here('index.html'),
        provider: here('provider/index.html'),
        operator: here('operator/index.html'),
        agent: here('agent/index.html'),
      },
    },
  },
});
