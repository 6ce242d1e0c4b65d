/** Threshold overrides over the example site's config: what holds, what the file retires, and the file on disk. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../config/index.ts';
import { limitRangeOf } from '../config/index.ts';
import { applyOverrides, limitProblem, limitsOf, type ThresholdOverride, ThresholdOverrides } from './threshold-overrides.ts';

const config = loadAgentConfig(fileURLToPath(new URL('../../examples/site.yaml', import.meta.url)));
const rulesOf = (pointId: string, from = config) => from.engine.points.find((point) => point.id === pointId);
const override = (pointId: string, limit: ThresholdOverride['limit'], value: number, configValue: number): ThresholdOverride => ({
  pointId,
  limit,
  value,
  configValue,
  by: 'li.wei',
  at: 0,
  reason: 'test',
});

describe('applyOverrides', () => {
  it('lays an override over the file while the file keeps the value it replaced: engine rules and store thresholds', () => {
    expect(limitsOf(rulesOf('T-101.level'))).toEqual({ lolo: null, lo: null, hi: 9000, hihi: 9500 });
    const { config: overridden, inForce, retired } = applyOverrides(config, [override('T-101.level', 'hi', 8800, 9000)]);
    expect([inForce.length, retired]).toEqual([1, []]);
    expect(limitsOf(rulesOf('T-101.level', overridden))).toEqual({ lolo: null, lo: null, hi: 8800, hihi: 9500 });
    expect(overridden.storePoints.find((point) => point.pointId === 'T-101.level')).toMatchObject({ high: 8800, highHigh: 9500 });
    expect(rulesOf('T-102.level', overridden)).toEqual(rulesOf('T-102.level'));
  });

  it('overrides a limit a gas preset gives, keeping the preset', () => {
    const preset = config.engine.points.find((point) => point.preset !== undefined && limitsOf(point).hi !== null)!;
    const fileHi = limitsOf(preset).hi!;
    const { config: overridden } = applyOverrides(config, [override(preset.id, 'hi', fileHi - 1, fileHi)]);
    expect(limitsOf(rulesOf(preset.id, overridden))).toEqual({ ...limitsOf(preset), hi: fileHi - 1 });
    expect(rulesOf(preset.id, overridden)?.preset).toEqual(preset.preset);
  });

  it('retires an override once the file changed that limit, dropped the point or the limit, or the result breaks order or range', () => {
    const { inForce, retired } = applyOverrides(config, [
      override('T-101.level', 'hi', 8800, 8000),
      override('GONE.level', 'hi', 1, 2),
      override('T-101.level', 'lo', 100, 200),
      override('T-102.level', 'hi', 9600, 9000),
      override('LT-201.level', 'hihi', 12_000, 11_000),
    ]);
    expect(inForce).toEqual([override('LT-201.level', 'hihi', 12_000, 11_000)]);
    expect(retired.map(({ override: { pointId, limit }, why }) => [pointId, limit, why])).toEqual([
      ['T-101.level', 'hi', "the config file's hi changed from 8000 to 9000: the file's value is in force"],
      ['GONE.level', 'hi', 'point GONE.level has no rules in the config file any more'],
      ['T-101.level', 'lo', 'point T-101.level has no lo limit in the config file any more'],
      ['T-102.level', 'hi', "with the config file's other limits: T-102.level: hi (9600) must be below hihi (9500); the file's values are in force"],
    ]);
  });
});

describe('limitProblem', () => {
  it('needs lolo < lo < hi < hihi among the limits present, within the range', () => {
    expect(limitProblem('P', { lolo: 1, lo: 2, hi: 3, hihi: 4 }, [0, 10])).toBeNull();
    expect(limitProblem('P', { lolo: null, lo: 2, hi: 2, hihi: null }, [null, null])).toEqual({
      ok: false,
      code: 'limits_out_of_order',
      params: { target: 'P', lower: 'lo', lowerValue: 2, higher: 'hi', higherValue: 2 },
      reason: 'P: lo (2) must be below hi (2)',
    });
    expect(limitProblem('P', { lolo: null, lo: null, hi: 11, hihi: null }, [0, 10])).toMatchObject({
      code: 'limit_out_of_range',
      params: { limit: 'hi', value: 11, low: 0, high: 10 },
      reason: "P: hi (11) is outside the point's range 0..10",
    });
    expect(limitProblem('P', { lolo: -1, lo: null, hi: null, hihi: null }, [0, null])).toMatchObject({ code: 'limit_out_of_range', reason: "P: lolo (-1) is outside the point's range 0..inf" });
  });
});

describe('limitRangeOf', () => {
  it("keeps a %LEL or %vol point's limits within 0..100, with or without a measuring range: 150 %LEL would never alarm", () => {
    expect(limitRangeOf({ unit: '%LEL', rangeLow: null, rangeHigh: null })).toEqual([0, 100]);
    expect(limitRangeOf({ unit: '%vol', rangeLow: -10, rangeHigh: 110 })).toEqual([0, 100]);
    expect(limitRangeOf({ unit: '% VOL', rangeLow: 0, rangeHigh: 25 })).toEqual([0, 25]);
    expect(limitProblem('GD-T01.concentration', { lolo: null, lo: null, hi: 150, hihi: 160 }, limitRangeOf({ unit: '%LEL', rangeLow: null, rangeHigh: null }))).toMatchObject({
      code: 'limit_out_of_range',
      params: { limit: 'hi', value: 150, low: 0, high: 100 },
    });
  });

  it("leaves another unit's range as configured, open where none", () => {
    expect(limitRangeOf({ unit: 'ppm', rangeLow: null, rangeHigh: null })).toEqual([null, null]);
    expect(limitRangeOf({ unit: 'mm', rangeLow: 0, rangeHigh: 10_000 })).toEqual([0, 10_000]);
    expect(limitRangeOf(undefined)).toEqual([null, null]);
  });
});

describe('ThresholdOverrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-overrides-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file whole (no temporary left), reads it back, keeps the last 1000 history entries', async () => {
    const file = join(dir, 'site.duckdb.threshold-overrides.json');
    const overrides = await ThresholdOverrides.open(
      file,
      () => 1,
      () => undefined,
    );
    expect(existsSync(file)).toBe(false);
    const entry = { time: 1, pointId: 'P', limit: 'hi' as const, old: 1, new: 2, who: 'li', why: 'x', kind: 'changed' as const };
    await overrides.replace(
      [override('P', 'hi', 2, 1)],
      Array.from({ length: 1001 }, (_, i) => ({ ...entry, time: i })),
    );
    expect(readdirSync(dir)).toEqual(['site.duckdb.threshold-overrides.json']);
    const again = await ThresholdOverrides.open(
      file,
      () => 1,
      () => undefined,
    );
    expect(again.overrides).toEqual([override('P', 'hi', 2, 1)]);
    expect(again.history.map((row) => row.time)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('moves an unreadable file aside, says so, and starts with none', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"version": 1, "overrides": "no"}');
    const lines: string[] = [];
    const overrides = await ThresholdOverrides.open(
      file,
      () => 42,
      (line) => lines.push(line),
    );
    expect(overrides.overrides).toEqual([]);
    expect(readFileSync(`${file}.unreadable-42`, 'utf8')).toContain('"no"');
    expect(lines).toEqual([expect.stringMatching(/broken\.json holds no threshold overrides .*moved to .*unreadable-42, the config file.s limits are in force/s)]);
  });
});
