/**
 * `pnpm bench`'s closing table (bench/runner.ts) on tiny fake benches in a temp folder, each in its own process as
 * run.ts runs the real ones: the figures they record through bench/figures.ts, met / not met against their targets,
 * the ratio to the in-run baseline, a failing bench named, the run written as JSON; a bench run alone records nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNumber, runBenches } from '../../bench/runner.ts';

const FIGURES_MODULE = fileURLToPath(new URL('../../bench/figures.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hazmon-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fakeBench = (body: string) => `import { recordFigure } from ${JSON.stringify(FIGURES_MODULE)};\n${body}\n`;
writeFileSync(
  join(dir, 'alpha.bench.ts'),
  fakeBench(`
console.log('alpha: its own output');
recordFigure({ name: 'throughput', value: 12_300_000, unit: 'readings/s', target: { text: '>= 10 M readings/s', atLeast: 10_000_000 }, baseline: { name: 'naive', value: 6_150_000 } });
recordFigure({ name: 'latency p99', value: 1.5, unit: 'ms', target: { text: 'p99 < 1 ms', below: 1 } });
recordFigure({ name: 'cost ratio', value: 0.9, unit: 'x', target: { text: 'linear' } });
recordFigure({ name: 'state per point', value: 2472, unit: 'B' });
recordFigure({ name: 'nothing arrived', value: Number.NaN, unit: 'ms', target: { text: 'p99 <= 50 ms', atMost: 50 } });`),
);
writeFileSync(join(dir, 'beta.bench.ts'), fakeBench(`recordFigure({ name: 'rss max', value: 140, unit: 'MiB', target: { text: '<= 143.05 MiB', atMost: 143.05 } });\nprocess.exit(3);`));
writeFileSync(join(dir, 'gamma.bench.ts'), fakeBench(`recordFigure({ name: 'never run', value: 1, unit: 'x' });`));

describe('bench runner', () => {
  it('runs the chosen benches and tables every figure they record with its target, ratio and verdict', () => {
    const resultFile = join(dir, 'last-run.json');
    const { figures, failed, table } = runBenches({ dir, only: ['alpha', 'beta'], args: [], resultFile });
    expect(failed).toEqual(['beta']);
    expect(figures.map((figure) => [figure.bench, figure.name, figure.met])).toEqual([
      ['alpha', 'throughput', true],
      ['alpha', 'latency p99', false],
      ['alpha', 'cost ratio', null],
      ['alpha', 'state per point', null],
      ['alpha', 'nothing arrived', false],
      ['beta', 'rss max', true],
    ]);
    expect(figures[0]!.ratio).toBeCloseTo(2, 6);
    const rows = table.split('\n');
    expect(rows[0]).toMatch(/^\| bench +\| figure +\| value +\| target +\| baseline \(same run\) +\| ratio +\| met +\|$/);
    expect(rows.find((row) => row.includes('throughput'))).toMatch(/\| alpha +\| throughput +\| 12\.3 M readings\/s +\| >= 10 M readings\/s +\| naive: 6\.15 M readings\/s +\| 2\.00x +\| met +\|/);
    expect(rows.find((row) => row.includes('latency p99'))).toMatch(/\| 1\.5 ms +\| p99 < 1 ms +\| - +\| - +\| NOT MET +\|/);
    expect(rows.find((row) => row.includes('cost ratio'))).toMatch(/\| linear +\| - +\| - +\| - +\|/);
    expect(rows.find((row) => row.includes('nothing arrived'))).toMatch(/\| n\/a ms +\| p99 <= 50 ms +\| - +\| - +\| NOT MET +\|/);
    expect(table).toContain('6 figures: 2 met, 2 not met, 2 without a bound target.');
    expect(table).toContain('Failed (their figures may be missing): beta.');
    expect(table).not.toContain('never run');
    const saved = JSON.parse(readFileSync(resultFile, 'utf8')) as { failed: string[]; figures: unknown[]; loadAverage: number[] };
    expect(saved.failed).toEqual(['beta']);
    expect(saved.figures).toEqual(figures);
    expect(saved.loadAverage).toHaveLength(3);
  }, 60_000);

  it('records nothing when a bench runs on its own, and shows its output as it is', () => {
    const alone = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'alpha.bench.ts')], { encoding: 'utf8', env: { ...process.env, HAZMON_BENCH_FIGURES: '' } });
    expect(alone.status).toBe(0);
    expect(alone.stdout).toBe('alpha: its own output\n');
  }, 30_000);

  it('writes numbers readably', () => {
    expect([12_345_678, 193_513, 1_234.4, 143.44, 140, 1.5, 0.0612].map(formatNumber)).toEqual(['12.3 M', '193,513', '1,234', '143.4', '140', '1.5', '0.0612']);
  });
});
