/**
 * The moments the store lowers DuckDB's memory_limit to evict its cached blocks (HazmonStore.releaseCachedBlocks), as
 * the read connection sees them. Reads are not held for a release (a user's trend or page would wait behind it and
 * behind the alarm append it waits for), so a read may allocate while the limit is low: DuckDB then fails that
 * statement with its out-of-memory error (a statement that fails takes nothing with it: reads write nothing but an
 * export's part file, which running it again rewrites). Such a failure is no answer: the statement runs again once
 * the limit is back. A read that still finds no memory (other reads hold it, or it met more lowerings than it retries)
 * fails as HAZMON_STORE_BUSY, which a caller may answer with "try again" rather than as a fault.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { messageOf } from '@hazmon/errors';
import { StoreError } from './errors.ts';

/** More retries than releases a statement can overlap in practice (one per checkpoint turn, every few seconds). */
const MAX_RETRIES = 3;
/** How long a read that met a lowering waits before it runs again when the lowering is over and nothing puts the limit back. */
const AFTER_LOWERED_LIMIT_MS = 5;

/** DuckDB's error for a statement that could not get its memory under the limit ("failed to allocate data of size ..."). */
function isOutOfMemoryError(error: unknown): boolean {
  return /\bOut of Memory Error\b/i.test(messageOf(error));
}

export class LimitLowering {
  /**
   * `loweredLimitMib`: the limit a lowering sets. DuckDB's out-of-memory error names the limit in force ("(928.0 KiB/1.0
   * MiB used)"): one naming that limit met a lowering even where the counts below did not see it overlap (twice in
   * session 19's history benches a page of alarm events failed so, the limit at 1 MiB, with no overlap counted; how it
   * escaped them was not found), and runs again like the others.
   */
  constructor(private readonly loweredLimitMib: number) {}

  /** Lowerings begun, so a statement can tell that one overlapped it even when it is over by the time it failed. */
  private begun = 0;
  private under: Promise<void> | null = null;
  /** Reads that met a lowered limit and ran again once it was back (StoreStats.readsRunAgain). */
  readsRunAgain = 0;
  /** Reads that found no memory and failed as HAZMON_STORE_BUSY (StoreStats.readsBusy). */
  readsBusy = 0;

  /** Runs `lower` (the statements that lower the limit and put it back), marked as a lowering. */
  async during(lower: () => Promise<void>): Promise<void> {
    this.begun += 1;
    const lowering = lower();
    this.under = lowering.catch(() => undefined);
    try {
      await lowering;
    } finally {
      this.under = null;
    }
  }

  /**
   * `statement`'s result; when it failed for lack of memory while a lowering ran beside it, it runs again once that is
   * over. A failure of any other kind is the statement's own and is thrown; one for lack of memory that is not run
   * again is thrown as HAZMON_STORE_BUSY (the DuckDB error its cause). `putLimitBack` (the store's limit set again on
   * the statement's connection) runs before a statement runs again with no lowering under way: a limit still found low
   * then would otherwise fail every run again (a day's export answered 503 so in session 21, each of its four runs
   * meeting the 1-MiB limit; how the limit stayed low was not found).
   */
  async retried<T>(statement: () => Promise<T>, putLimitBack?: () => Promise<void>): Promise<T> {
    for (let retry = 0; ; retry++) {
      const begunBefore = this.begun;
      const underBefore = this.under;
      try {
        return await statement();
      } catch (error) {
        if (!isOutOfMemoryError(error)) throw error;
        const overlapped = underBefore !== null || this.begun !== begunBefore || this.namesLoweredLimit(error);
        if (!overlapped || retry === MAX_RETRIES) {
          this.readsBusy += 1;
          throw new StoreError('HAZMON_STORE_BUSY', `a read found no memory under the store's memory_limit: ${messageOf(error)}`, { cause: error });
        }
        this.readsRunAgain += 1;
        if (this.under !== null) await this.under;
        else if (putLimitBack !== undefined && this.namesLoweredLimit(error)) await putLimitBack();
        else await delay(AFTER_LOWERED_LIMIT_MS);
      }
    }
  }

  /** The error names the lowered limit as the one in force (DuckDB writes it with one decimal: "/1.0 MiB used)"). */
  private namesLoweredLimit(error: unknown): boolean {
    return messageOf(error).includes(`/${this.loweredLimitMib.toFixed(1)} MiB used)`);
  }
}
