/**
 * `hazmon check-config` on files with many problems: the sample config with 8k and 32k unknown fields (one problem
 * each), run in process through the command line's own dispatch. Baseline, in the same run on the same file: a plain
 * yaml parse of it (`uniqueKeys` off: yaml's own repeated-key check compares every pair of a map's keys). The check
 * parses the text twice (data, then the Document that places problems) and checks every field, so a small constant
 * multiple of the baseline, the same at 8k and 32k, is what linear looks like. Median of RUNS runs after one warm-up.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../agent/src/cli/run.ts';
import { sampleWithUnknownFields } from '../agent/src/config/generated-configs.ts';
import { recordFigure } from './figures.ts';

const PROBLEM_COUNTS = [8_000, 32_000];
const RUNS = 5;

const quietIo = { stdin: process.stdin, stdout: { write: () => true }, stderr: { write: () => true } };

/** Median wall-clock time of `measure` over RUNS runs, after one warm-up run. */
async function medianMs(measure: () => unknown): Promise<number> {
  await measure();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    await measure();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

async function checkConfig(file: string): Promise<void> {
  const code = await runCli(['check-config', file], quietIo);
  if (code !== 2) throw new Error(`check-config exited ${code} on ${file}, expected 2`);
}

const dir = mkdtempSync(join(tmpdir(), 'hazmon-config-bench-'));
try {
  console.log('problems  check-config  baseline: yaml parse  ratio  check-config per problem');
  for (const problems of PROBLEM_COUNTS) {
    const file = join(dir, `unknown-${problems}.yaml`);
    writeFileSync(file, sampleWithUnknownFields(problems));
    const text = readFileSync(file, 'utf8');
    const checkMs = await medianMs(() => checkConfig(file));
    const parseMs = await medianMs(() => parse(text, { uniqueKeys: false }));
    recordFigure({
      name: `check-config, ${problems.toLocaleString('en-US')} problems (median of ${RUNS})`,
      value: checkMs / 1000,
      unit: 's',
      target: { text: 'none in shared/README.md (linear: the same ratio at 8k and 32k)' },
      baseline: { name: 'yaml parse', value: parseMs / 1000 },
    });
    console.log(
      `${String(problems).padStart(8)}  ${(checkMs / 1000).toFixed(2).padStart(10)} s  ${(parseMs / 1000).toFixed(2).padStart(18)} s  ${(checkMs / parseMs).toFixed(1).padStart(5)}  ${((checkMs * 1000) / problems).toFixed(1).padStart(20)} us`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
