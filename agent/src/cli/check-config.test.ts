/** `hazmon check-config` on a file with more problems than it lists, and on a file over the size limit. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleWithUnknownFields } from '../config/generated-configs.ts';
import { MAX_CONFIG_FILE_BYTES, MAX_LISTED_PROBLEMS } from '../config/index.ts';
import { EXIT } from './command.ts';
import { bufferedIo, hazmon } from '../../test/fixtures/cli/store-site.ts';
import { runCli } from './run.ts';
import { fileURLToPath } from 'node:url';

describe('check-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-check-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const manyProblems = join(dir, 'many-problems.yaml');
  writeFileSync(manyProblems, sampleWithUnknownFields(250));

  /** What check-config must print on stderr for the 250 unknown fields: the first hundred, then the count of the rest. */
  function expectCappedReport(stderr: string): void {
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(MAX_LISTED_PROBLEMS + 2);
    lines.slice(0, MAX_LISTED_PROBLEMS).forEach((line, index) => expect(line).toMatch(new RegExp(`^${manyProblems}:${9 + index}:\\d+ site\\.unknownField${index}: unknown field`)));
    expect(lines.slice(MAX_LISTED_PROBLEMS)).toEqual(['... and 150 more problems', '250 problems: the agent would refuse to start with this file']);
  }

  it(`lists the first ${MAX_LISTED_PROBLEMS} problems, counts the rest and exits 2`, async () => {
    const io = bufferedIo();
    expect(await runCli(['check-config', manyProblems], io)).toBe(EXIT.configInvalid);
    expectCappedReport(io.err());
    expect(io.out()).toBe('');
  });

  it('prints the same as a child process, with exit code 2', async () => {
    const result = await hazmon(['check-config', manyProblems], dir);
    expect(result.code).toBe(EXIT.configInvalid);
    expectCappedReport(result.stderr);
  }, 90_000);

  it('refuses a file over the size limit with one problem naming its size and the limit, exit 2', async () => {
    const oversized = join(dir, 'oversized.yaml');
    writeFileSync(oversized, `# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`);
    const io = bufferedIo();
    expect(await runCli(['check-config', oversized], io)).toBe(EXIT.configInvalid);
    expect(io.err().split('\n')).toEqual([
      `${oversized}:1:1 (root): the file is ${MAX_CONFIG_FILE_BYTES + 3} bytes (16.0 MiB), over the ${MAX_CONFIG_FILE_BYTES} bytes (16.0 MiB) a config file may have; a site of 10,000 points needs about 5 MiB (got ${MAX_CONFIG_FILE_BYTES + 3}) [HAZMON_CONFIG_TOO_LARGE]`,
      '1 problem: the agent would refuse to start with this file',
      '',
    ]);
  });

  it('names the threshold overrides in force over the file, and those the file now retires', async () => {
    const site = join(dir, 'site.yaml');
    copyFileSync(fileURLToPath(new URL('../../examples/site.yaml', import.meta.url)), site);
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const override = { by: 'li.wei', at, reason: 'new tank lining' };
    const overrides = [
      { pointId: 'T-101.level', limit: 'hi', value: 8800, configValue: 9000, ...override },
      { pointId: 'T-102.level', limit: 'hi', value: 8700, configValue: 8000, ...override },
    ];
    writeFileSync(join(dir, 'hazmon.duckdb.threshold-overrides.json'), JSON.stringify({ version: 1, overrides, history: [] }));
    const io = bufferedIo();
    expect(await runCli(['check-config', site], io)).toBe(EXIT.ok);
    expect(io.out().split('\n').slice(1)).toEqual([
      `1 threshold override in force over this file's limits (${join(dir, 'hazmon.duckdb.threshold-overrides.json')}):`,
      '  T-101.level hi = 8800 (file: 9000) by li.wei at 2026-01-02T03:04:05.000Z: new tank lining',
      "  T-102.level hi = 8700 by li.wei: retired at the next start or reload: the config file's hi changed from 8000 to 9000: the file's value is in force",
      '',
    ]);
  });
});
