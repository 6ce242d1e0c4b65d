/**
 * The columns of the last aggregates page written whole, for the next page's read to take its buffers
 * (StoreReader.aggregateColumns' reuse). A page's columns (an hour of 1k points: 8 arrays, 3.8 MB) live while the page
 * is written, long enough to be promoted, so only a full GC freed them; under the unit's `--heap-growing-percent=10`
 * the few MB a pull left started one each pull (GC ~33 ms of a ~150 ms pull in the agent's profile). Kept for
 * SPARE_KEPT_MS after the last page, then left to the GC, so pulls that stopped hold no memory.
 */
import type { AggregateColumns } from '@hazmon/agent';

const SPARE_KEPT_MS = 30_000;

export class SpareColumns {
  private spare: AggregateColumns | undefined;
  private readonly expiry = setTimeout(() => {
    this.spare = undefined;
  }, SPARE_KEPT_MS).unref();

  /** The spare columns, now the caller's (to pass as reuse, or to drop); undefined when there are none. */
  take(): AggregateColumns | undefined {
    const spare = this.spare;
    this.spare = undefined;
    return spare;
  }

  /** Columns nobody will read again (a page whose every value is text), kept for the next page. */
  readonly give = (columns: AggregateColumns): void => {
    this.spare = columns;
    this.expiry.refresh();
  };
}
