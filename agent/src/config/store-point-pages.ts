/** A config's store point definitions kept gzipped a page at a time, for what reads them while the agent runs. */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { StorePointDefinition } from '../store/index.ts';

/**
 * Definitions a page holds: one page as JSON is ~0.3 MB for points without regulatory metadata, a young string V8
 * frees at the next scavenge once parsed.
 */
const POINTS_PER_PAGE = 1000;

/**
 * The definitions the config registers in the store, in catalog order, each page of POINTS_PER_PAGE a gzipped JSON
 * array: tens of KB kept for 10k points, where the definitions as objects were ~2 MB (why the running config dropped
 * them). The points' fixed answer reads them from here and not from the store: its 10 DuckDB reads of 1,000 points
 * beside the ingest, which 20 dashboards' first loads wait on, took DuckDB's allocator to 13.5-15 MiB against at most 9
 * in the rest of the loaded run, the web server's RSS peak (bench/RESULTS.md, sessions 21-23).
 */
export class StorePointPages {
  private readonly pages: readonly Uint8Array[];
  /** How many definitions there are in all. */
  readonly size: number;

  constructor(points: readonly StorePointDefinition[]) {
    const pages: Uint8Array[] = [];
    for (let first = 0; first < points.length; first += POINTS_PER_PAGE) {
      pages.push(gzipSync(JSON.stringify(points.slice(first, first + POINTS_PER_PAGE))));
    }
    this.pages = pages;
    this.size = points.length;
  }

  get pageCount(): number {
    return this.pages.length;
  }

  /** Page `index`'s definitions (points index * 1,000 onwards, in catalog order), as objects made afresh. */
  page(index: number): StorePointDefinition[] {
    const page = this.pages[index];
    if (page === undefined) throw new RangeError(`store point page ${index} of ${this.pages.length}`);
    return JSON.parse(gunzipSync(page).toString('utf8')) as StorePointDefinition[];
  }
}
