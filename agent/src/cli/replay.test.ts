/** `hazmon replay` against a real store file: a changed hi limit as a child process (twice, byte for byte), argument checks in process. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HazmonStore } from '../store/index.ts';
import { EXIT } from './command.ts';
import { T0, bufferedIo, hazmon } from '../../test/fixtures/cli/store-site.ts';
import { runCli } from './run.ts';

const MINIMAL_CONFIG = fileURLToPath(new URL('../config/testcases/valid-minimal/config.yaml', import.meta.url));
const RISING = 'GD-1.concentration';
const STEADY = 'GD-2.concentration';
/** Up from 20 to a peak of 45 and back: crosses 40 (and 30) once each way, never reaches 50. */
const SERIES = [20, 25, 28, 31, 36, 41, 45, 42, 38, 33, 29, 24, 20];
const SOURCE_LAG_MS = 7;

let dir: string;
const file = (name: string) => join(dir, name);

/** The minimal valid site with RISING's hi limit set to `hi` (hihi kept above every value). */
function writeConfig(name: string, hi: number): string {
  const base = readFileSync(MINIMAL_CONFIG, 'utf8').replace(
    `{ id: ${RISING}, area: a1, gas: CH4, rules: { preset: {} } }`,
    `{ id: ${RISING}, area: a1, gas: CH4, rules: { preset: {}, limits: { hi: { value: ${hi} }, hihi: { value: 80 } } } }`,
  );
  expect(base).toContain(`hi: { value: ${hi} }`);
  writeFileSync(file(name), `${base}\nstore: { path: ./site.duckdb }\n`);
  return file(name);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hazmon-cli-replay-'));
  writeConfig('current.yaml', 50);
  writeConfig('new.yaml', 30);
  const store = await HazmonStore.open({ path: file('site.duckdb'), retentionIntervalMs: 0 });
  try {
    await store.registerPoints([RISING, STEADY].map((pointId) => ({ pointId, unit: '%LEL', resolution: 0.1, pollIntervalMs: 1000 })));
    for (const [i, value] of SERIES.entries()) {
      for (const [pointId, v] of [
        [RISING, value],
        [STEADY, 5],
      ] as const) {
        store.writeReading({ pointId, value: v, unit: '%LEL', sourceTime: T0 + i * 1000 - SOURCE_LAG_MS, receiveTime: T0 + i * 1000, quality: 'good' });
      }
    }
    await store.flush();
  } finally {
    await store.close();
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const iso = (time: number) => new Date(time).toISOString();
const range = ['--from', iso(T0), '--to', iso(T0 + SERIES.length * 1000)];
/** Engine time of the i-th reading (its source time), printed as the command prints it. */
const printed = (i: number) => iso(T0 + i * 1000 - SOURCE_LAG_MS);
/**
 * The command's own lines: a library may print on stdout too (node-opcua's timestamped Node-version warning once it
 * loads, when a config has OPC UA), which would make two runs differ.
 */
const replayLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => /^[+-] |alarm transitions differ/.test(line))
    .map((line) => `${line}\n`)
    .join('');

describe('hazmon replay (child process)', () => {
  it('prints the raise and clear only the lower hi limit gives, identically on a second run', async () => {
    const args = ['replay', file('current.yaml'), '--rules', file('new.yaml'), ...range];
    const first = await hazmon(args, dir);
    expect(first.stderr).not.toMatch(/^\s+at /m);
    expect(first.code).toBe(EXIT.ok);
    const raisedAt = SERIES.findIndex((value) => value >= 30);
    const clearedAt = SERIES.findIndex((value, i) => i > raisedAt && value < 30);
    expect(replayLines(first.stdout)).toBe(
      `+ ${printed(raisedAt)} ${RISING}/hi raised (only with new rules)\n` +
        `+ ${printed(clearedAt)} ${RISING}/hi cleared (only with new rules)\n` +
        '2 alarm transitions differ (2 only with new rules, 0 only with current rules)\n',
    );
    const second = await hazmon(args, dir);
    expect(second.code).toBe(EXIT.ok);
    expect(replayLines(second.stdout)).toBe(replayLines(first.stdout));
  }, 180_000);
});

describe('hazmon replay (in process)', () => {
  it('prints the same transitions as only with current rules when the configs swap', async () => {
    const io = bufferedIo();
    expect(await runCli(['replay', file('new.yaml'), '--rules', file('current.yaml'), ...range], io)).toBe(EXIT.ok);
    expect(
      io
        .out()
        .split('\n')
        .filter((line) => line.startsWith('- ')),
    ).toHaveLength(2);
    expect(io.out()).toContain('2 alarm transitions differ (0 only with new rules, 2 only with current rules)');
  }, 120_000);

  it('finds no difference between identical rules', async () => {
    const io = bufferedIo();
    expect(await runCli(['replay', file('new.yaml'), '--rules', file('new.yaml'), ...range], io)).toBe(EXIT.ok);
    expect(io.out()).toBe('0 alarm transitions differ (0 only with new rules, 0 only with current rules)\n');
  }, 120_000);

  it.each([
    [['--rules'], '--rules NEW_CONFIG is required'],
    [['--from'], '--from is required'],
    [['--to'], '--to is required'],
    [['--from', '2026-02-30'], '--from "2026-02-30" is not an ISO 8601 time'],
    [['--to', '2026-11-23T08:00'], '--to "2026-11-23T08:00" is not an ISO 8601 time'],
    [['--to', '2020-01-01'], 'must be before --to "2020-01-01"'],
    [['--colour', 'red'], "Unknown option '--colour'"],
  ])('refuses %j with exit 64 naming the option', async (change, message) => {
    const args = [file('current.yaml'), '--rules', file('new.yaml'), ...range];
    const at = args.indexOf(change[0]!);
    if (change.length === 1) args.splice(at, 2);
    else if (at >= 0) args[at + 1] = change[1]!;
    else args.push(...change);
    const io = bufferedIo();
    expect(await runCli(['replay', ...args], io)).toBe(EXIT.usage);
    expect(io.err()).toContain(message);
    expect(io.err()).toContain('usage: hazmon replay CONFIG');
    expect(io.out()).toBe('');
  });
});
