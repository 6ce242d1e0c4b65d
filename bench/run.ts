/**
 * Runs every benchmark under bench/ one after another, each in its own Node process so figures don't interfere, then
 * prints one table of every figure with its target, its ratio to the in-run baseline and met / not met, and writes it
 * to bench/.last-run.json (not committed).
 *
 * node --import tsx bench/run.ts [name ...] [-- bench args]   e.g. `bench/run.ts config engine -- --readings 1000000`
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenches } from './runner.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const resultFile = join(benchDir, '.last-run.json');
const { table, failed } = runBenches({
  dir: benchDir,
  only: split === -1 ? argv : argv.slice(0, split),
  args: split === -1 ? [] : argv.slice(split + 1),
  resultFile,
});
console.log(`\n=== figures against the targets of shared/README.md (also in ${resultFile}) ===\n${table}`);
process.exit(failed.length === 0 ? 0 : 1);
