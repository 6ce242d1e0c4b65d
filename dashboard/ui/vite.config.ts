/** Builds the browser UI into dashboard/ui/dist; the dashboard server serves it (dashboard/src/ui-files.ts). */
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { firstPageBudget } from './first-page-budget.ts';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact(), firstPageBudget()],
  logLevel: 'info',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP is `default-src 'self'`: no inline script, and no data: URLs for small assets.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
