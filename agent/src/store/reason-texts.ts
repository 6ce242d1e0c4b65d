/**
 * The reason messages of readings that are not good, stored once each in `reason_texts` and referenced from raw rows by
 * a small id: a device failing for an hour repeats one message thousands of times. Good readings carry id 0 and cost
 * nothing here.
 */
import type { DuckDBAppender } from '@duckdb/node-api';

/** Distinct texts remembered in memory; past this the memory starts afresh and a text seen again gets a new id. */
const REMEMBERED_TEXTS = 4096;

export class ReasonTexts {
  private readonly ids = new Map<string, number>();
  /** Texts given an id and not yet committed, in id order. */
  private pending: { id: number; text: string }[] = [];

  /** `nextId`: one past the largest id in the file (1 for a new file). */
  constructor(private nextId: number) {}

  /**
   * Forgets every remembered text, so no id below the returned one (the next to hand out) is handed out again: rows
   * offered from now on reference only newer texts, and once retention has deleted every raw row offered before now,
   * no row references a text below it (`TextEra`, retention.ts).
   */
  forget(): number {
    this.ids.clear();
    return this.nextId;
  }

  /** The id of a text, handing out a new one (committed before the rows that use it) for a text not remembered. */
  idOf(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      // Messages can carry changing figures (a back-off's remaining ms): memory stays bounded, the table takes repeats.
      if (this.ids.size >= REMEMBERED_TEXTS) this.ids.clear();
      id = this.nextId++;
      this.ids.set(text, id);
      this.pending.push({ id, text });
    }
    return id;
  }

  /**
   * Appends the texts handed out since the last commit through `appender` into the raw commit's transaction (its flush
   * joins it), so every raw row of that commit finds its text; returns how many, for `committed`. Until then they stay
   * pending: a commit that fails appends them again.
   */
  appendPending(appender: DuckDBAppender): number {
    const count = this.pending.length;
    if (count === 0) return 0;
    for (const { id, text } of this.pending) {
      appender.appendInteger(id);
      appender.appendVarchar(text);
      appender.endRow();
    }
    appender.flushSync();
    return count;
  }

  /** The first `count` pending texts are committed (texts handed out while the commit ran stay pending). */
  committed(count: number): void {
    this.pending.splice(0, count);
  }
}
