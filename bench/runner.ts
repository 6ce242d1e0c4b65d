/**
 * `pnpm bench`'s runner: every `*.bench.ts` of a folder one after another, each in its own Node process (figures don't
 * interfere) with its output shown as it comes, each recording its figures through bench/figures.ts into one JSON-lines
 * file; then one table of every figure with its target, its ratio to the in-run baseline and met / not met, printed and
 * written (with the run's date, load average and benches that failed) to a JSON file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_NAME_ENV, FIGURES_FILE_ENV, type Figure } from './figures.ts';

export interface RunOptions {
  readonly dir: string;
  /** Benches whose file name starts with one of these; all when empty. */
  readonly only: readonly string[];
  /** Passed to every bench (e.g. engine's `--readings N`). */
  readonly args: readonly string[];
  /** Where the run's figures and table go as JSON. */
  readonly resultFile: string;
}

export interface RunResult {
  readonly figures: Figure[];
  readonly failed: string[];
  readonly table: string;
}

function benchFiles(dir: string, only: readonly string[]): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.bench.ts'))
    .filter((name) => only.length === 0 || only.some((wanted) => name.startsWith(wanted)))
    .sort();
}

/** Readable numbers: millions to 3 significant digits (12.3 M), thousands grouped, hundreds to 0.1 (a 143.05 MiB target), less to 3 digits. */
export function formatNumber(value: number): string {
  // A figure recorded as NaN (nothing measured) comes back from its JSON line as null.
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  const size = Math.abs(value);
  if (size >= 1e6) return `${(value / 1e6).toPrecision(3)} M`;
  if (size >= 1000) return Math.round(value).toLocaleString('en-US');
  return size >= 100 ? Number(value.toFixed(1)).toString() : Number(value.toPrecision(3)).toString();
}

/** A ratio reads 1.32x; other units after a space. */
const withUnit = (value: number, unit: string): string => (unit === 'x' ? `${formatNumber(value)}x` : `${formatNumber(value)} ${unit}`.trim());

const MET_WORD = (met: boolean | null): string => (met === null ? '-' : met ? 'met' : 'NOT MET');

/** The closing table, one row per figure, as Markdown (readable in a terminal, pasteable into bench/RESULTS.md). */
function formatTable(figures: readonly Figure[], failed: readonly string[]): string {
  const header = ['bench', 'figure', 'value', 'target', 'baseline (same run)', 'ratio', 'met'];
  const rows = figures.map((figure) => [
    figure.bench,
    figure.name,
    withUnit(figure.value, figure.unit),
    figure.target ?? '-',
    figure.baseline === null || figure.baselineValue === null ? '-' : `${figure.baseline}: ${withUnit(figure.baselineValue, figure.unit)}`,
    figure.ratio === null ? '-' : `${figure.ratio.toFixed(2)}x`,
    MET_WORD(figure.met),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const counts = (met: boolean | null) => figures.filter((figure) => figure.met === met).length;
  return [
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `${figures.length} figures: ${counts(true)} met, ${counts(false)} not met, ${counts(null)} without a bound target.`,
    ...(failed.length > 0 ? [`Failed (their figures may be missing): ${failed.join(', ')}.`] : []),
  ].join('\n');
}

function readFigures(file: string): Figure[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Figure);
}

export function runBenches({ dir, only, args, resultFile }: RunOptions): RunResult {
  const scratch = mkdtempSync(join(tmpdir(), 'hazmon-bench-'));
  const figuresFile = join(scratch, 'figures.jsonl');
  const failed: string[] = [];
  try {
    for (const file of benchFiles(dir, only)) {
      const bench = file.replace(/\.bench\.ts$/, '');
      console.log(`\n=== ${file} ===`);
      const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file), ...args], {
        stdio: 'inherit',
        env: { ...process.env, [FIGURES_FILE_ENV]: figuresFile, [BENCH_NAME_ENV]: bench },
      });
      if (result.status !== 0) {
        failed.push(bench);
        console.error(`${file} exited with ${result.status ?? result.signal}`);
      }
    }
    const figures = readFigures(figuresFile);
    const table = formatTable(figures, failed);
    writeFileSync(resultFile, `${JSON.stringify({ date: new Date().toISOString(), loadAverage: loadavg(), args, failed, figures }, null, 2)}\n`);
    return { figures, failed, table };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
