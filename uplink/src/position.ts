/**
 * The uplink's position in the agent's store: the last alarm event seq, the last minute and the last audit row seq
 * the hub's stream has acknowledged. Kept in `<store>.uplink.json` and written after each acknowledged page, so a restart resumes there;
 * what a crash between an acknowledgement and the write sends again carries the same message ids (uplink README).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { messageOf, quote } from '@hazmon/errors';
import { z } from 'zod';
import { UplinkError } from './errors.ts';

const positionSchema = z.strictObject({
  /** Every alarm event with seq up to this is in the hub's stream. */
  eventsSeq: z.number().int().nonnegative(),
  /** Every closed minute starting up to this (epoch ms) is in the hub's stream; -1: none yet. */
  aggregatesMinute: z.number().int().min(-1),
  /** Every audit row with seq up to this is in the hub's stream; a file from before audit rows were sent has none: 0, the whole log once. */
  auditSeq: z.number().int().nonnegative().default(0),
});
export type UplinkPosition = z.output<typeof positionSchema>;

const START: UplinkPosition = { eventsSeq: 0, aggregatesMinute: -1, auditSeq: 0 };

export class PositionFile {
  private constructor(
    readonly path: string,
    private current: UplinkPosition,
  ) {}

  /** The position kept at `path`, or the store's start when there is no file yet. */
  static open(path: string): PositionFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new PositionFile(path, START);
      throw new UplinkError('HAZMON_UPLINK_POSITION_INVALID', `${path}: cannot read the uplink position (${messageOf(error)})`, { cause: error });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new UplinkError('HAZMON_UPLINK_POSITION_INVALID', `${path}: not JSON (${messageOf(error)}); delete it to send the whole store again (the hub drops what it has)`, { cause: error });
    }
    const parsed = positionSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UplinkError('HAZMON_UPLINK_POSITION_INVALID', `${path}: ${issue.path.join('.') || '(top)'}: ${issue.message} (got ${quote(data)})`);
    }
    return new PositionFile(path, parsed.data);
  }

  get position(): UplinkPosition {
    return this.current;
  }

  /** Replaces the file in one rename, so a crash leaves the old position or the new one, never half a file. */
  save(next: UplinkPosition): void {
    if (next.eventsSeq === this.current.eventsSeq && next.aggregatesMinute === this.current.aggregatesMinute && next.auditSeq === this.current.auditSeq) return;
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(next)}\n`);
    renameSync(temporary, this.path);
    this.current = next;
  }
}
