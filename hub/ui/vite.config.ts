/** Builds the bureau's page into hub/ui/dist; the hub's server serves it beside the regulator API (hub/src/api/app.ts). */
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { firstPageBudget } from '../../dashboard/ui/first-page-budget.ts';

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
