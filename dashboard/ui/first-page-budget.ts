/** The budget for a UI's first page (dashboard/ui and hub/ui build with it): printed at each build, over it fails. */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** The budget: the JavaScript the first page loads (the entry and its static imports), gzipped. */
const FIRST_PAGE_BUDGET_BYTES = 150 * 1024;

/** Prints the first page's gzipped JavaScript and fails the build over budget. */
export function firstPageBudget(): Plugin {
  return {
    name: 'hazmon-first-page-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).flatMap((file) => (file.type === 'chunk' ? [file] : []));
      const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
      const loaded = new Set<string>();
      const visit = (name: string) => {
        if (loaded.has(name)) return;
        loaded.add(name);
        for (const imported of byName.get(name)?.imports ?? []) visit(imported);
      };
      for (const chunk of chunks) if (chunk.isEntry) visit(chunk.fileName);
      const bytes = [...loaded].reduce((sum, name) => sum + gzipSync(byName.get(name)?.code ?? '').length, 0);
      const line = `first page JavaScript: ${(bytes / 1024).toFixed(1)} KB gzip (budget ${FIRST_PAGE_BUDGET_BYTES / 1024} KB)`;
      if (bytes > FIRST_PAGE_BUDGET_BYTES) this.error(line);
      this.info(line);
    },
  };
}
