/** The README's demo command really runs the agent against the simulated site and shows what it decodes. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function runDemo(seconds: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--duration', String(seconds), '--plain'], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last table the demo printed, as point id -> its row. */
function lastTable(stdout: string): Map<string, string> {
  const blocks = stdout.split('\n\n').filter((block) => block.startsWith('hazmon demo:'));
  const rows = blocks.at(-1)?.split('\n').slice(2) ?? [];
  return new Map(rows.map((row) => [row.split(/\s+/)[0]!, row]));
}

describe('demo', () => {
  it('runs the agent on Modbus TCP, Modbus RTU and OPC UA devices of the demo site, stores to DuckDB and exits cleanly', async () => {
    const { code, stdout, stderr } = await runDemo(8);
    expect(code, stderr).toBe(0);
    const table = lastTable(stdout);
    // One point per transport: XNX over TCP, the IGD controller on the RTU line, a tank over OPC UA.
    for (const pointId of ['GD-101.concentration', 'GC-1.detector1', 'T-101.level']) {
      expect(table.get(pointId), `${pointId} in\n${stdout.slice(-3000)}`).toMatch(/\sgood\s/);
    }
    expect(table.get('LT-201.level')).toMatch(/\s6500 mm\s/);
    // The oxygen channels read ambient air, so the demo does not open with a false low-oxygen alarm.
    expect(table.get('AI-1.channel3')).toMatch(/\s20\.\d+ %VOL\s+good\s/);
    expect(stdout).toMatch(/store \S+hazmon\.duckdb/);
  }, 60_000);
});
