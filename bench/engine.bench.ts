/**
 * Alarm-engine benchmark (engine-bench/measure.ts), measured as the gateway runs the engine: bundled into plain
 * JavaScript by the agent's build (gateway/scripts/build.ts), not through tsx, whose module wrapping costs the engine
 * ~20 % of its throughput. Arguments pass through (`--readings N`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_BUNDLE, bundleGateway } from '../gateway/scripts/build.ts';

// Beside the unit's bundle, so the agent's dependencies resolve through agent/node_modules.
mkdirSync(dirname(GATEWAY_BUNDLE), { recursive: true });
const bundleDir = mkdtempSync(join(dirname(GATEWAY_BUNDLE), 'engine-bench-'));
try {
  const bundle = join(bundleDir, 'measure.mjs');
  await bundleGateway({ entry: fileURLToPath(new URL('./engine-bench/measure.ts', import.meta.url)), outfile: bundle });
  const run = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(bundleDir, { recursive: true, force: true });
}
