/**
 * What every bench reports for `pnpm bench`'s closing table (bench/run.ts): each figure it prints, with its target from
 * `../shared/README.md` (Performance targets) and the baseline measured in the same run. A bench calls
 * `recordFigure` beside its own printed line; the figure goes, as one JSON line, to the file that run.ts names in
 * HAZMON_BENCH_FIGURES (a bench run on its own, without run.ts, records nothing). The bench's name is
 * HAZMON_BENCH_NAME (run.ts sets it; engine's bundle inherits it).
 */
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';

export const FIGURES_FILE_ENV = 'HAZMON_BENCH_FIGURES';
export const BENCH_NAME_ENV = 'HAZMON_BENCH_NAME';

/** A target as shared/README.md words it, with the bound that decides it where it has one (none: judged by a person). */
export interface Target {
  readonly text: string;
  readonly atLeast?: number;
  readonly atMost?: number;
  readonly below?: number;
}

export interface FigureInput {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: Target;
  /** Measured in the same run: the ratio is value / baseline. */
  readonly baseline?: { readonly name: string; readonly value: number };
}

export interface Figure {
  readonly bench: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: string | null;
  readonly baseline: string | null;
  readonly baselineValue: number | null;
  readonly ratio: number | null;
  /** null: no target, or one without a bound (e.g. "linear"). */
  readonly met: boolean | null;
}

/** Met or not against the target's bound; null without a bound. A figure that is no number (nothing measured) is not met. */
function judge(value: number, target: Target | undefined): boolean | null {
  if (!target || (target.atLeast === undefined && target.atMost === undefined && target.below === undefined)) return null;
  if (!Number.isFinite(value)) return false;
  return (target.atLeast === undefined || value >= target.atLeast) && (target.atMost === undefined || value <= target.atMost) && (target.below === undefined || value < target.below);
}

function figureOf(bench: string, input: FigureInput): Figure {
  const ratio = input.baseline && input.baseline.value !== 0 && Number.isFinite(input.baseline.value) ? input.value / input.baseline.value : null;
  return {
    bench,
    name: input.name,
    value: input.value,
    unit: input.unit,
    target: input.target?.text ?? null,
    baseline: input.baseline?.name ?? null,
    baselineValue: input.baseline?.value ?? null,
    ratio,
    met: judge(input.value, input.target),
  };
}

/** Appends the figure for run.ts's table; nothing when the bench runs on its own. */
export function recordFigure(input: FigureInput): void {
  const file = process.env[FIGURES_FILE_ENV];
  if (!file) return;
  const bench = process.env[BENCH_NAME_ENV] ?? basename(process.argv[1] ?? 'bench').replace(/\.bench\.ts$/, '');
  appendFileSync(file, `${JSON.stringify(figureOf(bench, input))}\n`);
}
