/** Oracle test: scenario readings go into a real DuckDB file; SQL window functions there must agree with the engine. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmEngine } from './engine.ts';
import type { EngineEvent } from './events.ts';

const T0 = 1_700_000_000_000;
const HI = 50;
const AVG_LIMIT = 40;
const HOLD_MS = 5_000;
/** 10 min and 15 min windows are paned (600 s / 480 = 1250 ms, 900 s / 480 = 1875 ms panes); 60 s is raw. */
const PANED = { windowMs: 600_000, paneMs: 1_250 };
const TWA = { windowMs: 900_000, paneMs: 1_875 };

const pointRules = {
  limits: { hi: HI },
  holdS: HOLD_MS / 1000,
  health: { staleS: 86_400 },
  lateToleranceS: 0,
  windows: [
    { name: 'avg60', aggregate: 'avg', windowS: 60, above: AVG_LIMIT },
    { name: 'max60', aggregate: 'max', windowS: 60, above: 55 },
    { name: 'min60', aggregate: 'min', windowS: 60, below: 1 },
    { name: 'avg600', aggregate: 'avg', windowS: 600, above: AVG_LIMIT },
    { name: 'max600', aggregate: 'max', windowS: 600, above: 55 },
    { name: 'twa900', aggregate: 'twa', windowS: 900, above: 30 },
  ],
};

interface Scenario {
  readonly name: string;
  readonly t: number[];
  readonly v: number[];
  readonly good: boolean[];
}

/** Deterministic PRNG (mulberry32) so every run replays the same scenarios. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SHAPES: Record<string, (second: number, noise: number) => { value: number; good: boolean }> = {
  'leak-ramp': (s, n) => ({ value: s < 300 ? 2 + n : 2 + (s - 300) * 0.1 + n, good: true }),
  step: (s, n) => ({ value: s < 400 ? 5 + n : 62 + n, good: true }),
  noise: (s, n) => ({ value: 30 + 25 * n, good: true }),
  'sensor-fault': (s, n) => ({ value: 10 + n, good: !(s > 500 && s < 640) }),
  chattering: (s, n) => ({ value: HI + 2 * Math.sin(s / 3) + n, good: true }),
  overfill: (s, n) => ({ value: Math.min(100, 40 + s * 0.05 + n * 0.2), good: true }),
};

function generate(name: string, seed: number): Scenario {
  const random = seeded(seed);
  const scenario: Scenario = { name, t: [], v: [], good: [] };
  let t = T0;
  for (let i = 0; i < 1_100; i += 1) {
    // Mostly 1 s with jitter, now and then a comms gap of 20-120 s.
    t += random() < 0.01 ? 20_000 + Math.floor(random() * 100_000) : 700 + Math.floor(random() * 600);
    const { value, good } = SHAPES[name]!((t - T0) / 1000, random() * 2 - 1);
    scenario.t.push(t);
    scenario.v.push(value);
    scenario.good.push(good);
  }
  return scenario;
}

const scenarios = Object.keys(SHAPES).map((name, i) => generate(name, 1_000 + i));

type Row = { seq: number; values: number[] };

async function query(connection: DuckDBConnection, sql: string): Promise<Map<string, Row[]>> {
  const reader = await connection.runAndReadAll(sql);
  const byScenario = new Map<string, Row[]>();
  for (const row of reader.getRowsJS()) {
    const [scenario, seq, ...values] = row as [string, number, ...(number | bigint | null)[]];
    const list = byScenario.get(scenario) ?? [];
    list.push({ seq: Number(seq), values: values.map((x) => (x === null ? Number.NaN : Number(x))) });
    byScenario.set(scenario, list);
  }
  return byScenario;
}

function engineRun(scenario: Scenario) {
  const events: EngineEvent[] = [];
  const engine = new AlarmEngine({ points: [{ id: 'P', ...pointRules }] }, (event) => events.push(event));
  const perReading = new Map<number, Record<string, number>>();
  scenario.t.forEach((t, seq) => {
    engine.processReading(0, t, scenario.good[seq] ? scenario.v[seq]! : Number.NaN, scenario.good[seq] ? 0 : 2, 0, 0);
    if (!scenario.good[seq]) return;
    const record: Record<string, number> = {};
    for (const rule of pointRules.windows) {
      const window = engine.windowValue('P', rule.name);
      record[rule.name] = window.value;
      record[`${rule.name}.count`] = window.count;
    }
    perReading.set(seq, record);
  });
  const activations = (alarmId: string) =>
    events.flatMap((e) => (e.type === 'alarm' && e.alarmId === alarmId && e.who === 'engine' && e.conditionActive && e.fromState !== 'unacknowledged_active' ? [e.time] : []));
  return { perReading, activations };
}

function expectClose(actual: number, expected: number, what: string): void {
  const bothUndefined = Number.isNaN(actual) && Number.isNaN(expected);
  const ok = bothUndefined || Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  if (!ok) expect.fail(`${what}: engine ${actual}, DuckDB ${expected}`);
}

describe('engine vs DuckDB window functions on scenario data', () => {
  let directory: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'hazmon-oracle-'));
    instance = await DuckDBInstance.create(join(directory, 'oracle.duckdb'));
    connection = await instance.connect();
    await connection.run('SET enable_progress_bar = false');
    await connection.run('CREATE TABLE readings (scenario VARCHAR, seq INTEGER, t BIGINT, v DOUBLE, good BOOLEAN)');
    const appender = await connection.createAppender('readings');
    for (const scenario of scenarios) {
      scenario.t.forEach((t, seq) => {
        appender.appendVarchar(scenario.name);
        appender.appendInteger(seq);
        appender.appendBigInt(BigInt(t));
        appender.appendDouble(scenario.v[seq]!);
        appender.appendBoolean(scenario.good[seq]!);
        appender.endRow();
      });
    }
    appender.closeSync();
  });

  afterAll(() => {
    connection?.closeSync();
    instance?.closeSync();
    rmSync(directory, { recursive: true, force: true });
  });

  it('raw 60 s avg / max / min / count equal RANGE window functions, at every good reading', async () => {
    const sql = await query(connection, `
      SELECT scenario, seq, avg(v) OVER w, max(v) OVER w, min(v) OVER w, count(*) OVER w
      FROM readings WHERE good
      WINDOW w AS (PARTITION BY scenario ORDER BY t RANGE BETWEEN 59999 PRECEDING AND CURRENT ROW)`);
    for (const scenario of scenarios) {
      const { perReading } = engineRun(scenario);
      const rows = sql.get(scenario.name)!;
      expect(rows.length).toBe(perReading.size);
      for (const { seq, values } of rows) {
        const engine = perReading.get(seq)!;
        ['avg60', 'max60', 'min60', 'avg60.count'].forEach((key, i) => expectClose(engine[key]!, values[i]!, `${scenario.name} #${seq} ${key}`));
      }
    }
  });

  it('paned 10 min avg / max and 15 min time-weighted average equal SQL over the pane-aligned window', async () => {
    const paned = await query(connection, `
      WITH g AS (SELECT * FROM readings WHERE good)
      SELECT a.scenario, a.seq, avg(b.v), max(b.v), count(*)
      FROM g a JOIN g b ON b.scenario = a.scenario AND b.t <= a.t
        AND b.t > floor((a.t - ${PANED.windowMs}) / ${PANED.paneMs}.0) * ${PANED.paneMs}
      GROUP BY a.scenario, a.seq`);
    const twa = await query(connection, `
      WITH s AS (SELECT *, lead(t) OVER (PARTITION BY scenario ORDER BY t) AS next_t FROM readings),
      q AS (SELECT scenario, seq, t AS now, floor((t - ${TWA.windowMs}) / ${TWA.paneMs}.0) * ${TWA.paneMs} AS start FROM readings WHERE good),
      c AS (SELECT q.scenario, q.seq, s.v,
              greatest(0, least(coalesce(s.next_t, q.now), s.t + ${HOLD_MS}, q.now) - greatest(s.t, q.start)) AS held
            FROM q JOIN s ON s.scenario = q.scenario AND s.good AND s.t <= q.now)
      SELECT scenario, seq, sum(v * held) / sum(held) FROM c GROUP BY scenario, seq`);
    for (const scenario of scenarios) {
      const { perReading } = engineRun(scenario);
      for (const { seq, values } of paned.get(scenario.name)!) {
        const engine = perReading.get(seq)!;
        ['avg600', 'max600', 'avg600.count'].forEach((key, i) => expectClose(engine[key]!, values[i]!, `${scenario.name} #${seq} ${key}`));
      }
      const twaRows = twa.get(scenario.name)!;
      expect(twaRows.length).toBe(perReading.size);
      for (const { seq, values } of twaRows) expectClose(perReading.get(seq)!.twa900!, values[0]!, `${scenario.name} #${seq} twa900`);
    }
  });

  it('hi and 60 s average limit crossings (no deadband, no delay) happen at the times SQL finds', async () => {
    const crossings = await query(connection, `
      WITH g AS (SELECT scenario, seq, t, v, avg(v) OVER w AS a FROM readings WHERE good
                 WINDOW w AS (PARTITION BY scenario ORDER BY t RANGE BETWEEN 59999 PRECEDING AND CURRENT ROW)),
      l AS (SELECT *, lag(v) OVER o AS pv, lag(a) OVER o AS pa FROM g WINDOW o AS (PARTITION BY scenario ORDER BY t))
      SELECT scenario, seq, t,
        CASE WHEN v >= ${HI} AND (pv IS NULL OR pv < ${HI}) THEN 1 ELSE 0 END,
        CASE WHEN a >= ${AVG_LIMIT} AND (pa IS NULL OR pa < ${AVG_LIMIT}) THEN 1 ELSE 0 END
      FROM l ORDER BY scenario, t`);
    let total = 0;
    for (const scenario of scenarios) {
      const { activations } = engineRun(scenario);
      const rows = crossings.get(scenario.name)!;
      const hiTimes = rows.filter((r) => r.values[1] === 1).map((r) => r.values[0]);
      const avgTimes = rows.filter((r) => r.values[2] === 1).map((r) => r.values[0]);
      expect(activations('P/hi'), `${scenario.name} hi`).toEqual(hiTimes);
      expect(activations('P/avg60'), `${scenario.name} avg60`).toEqual(avgTimes);
      total += hiTimes.length + avgTimes.length;
    }
    // The scenarios must actually cross the limits, or the comparison proves nothing.
    expect(total).toBeGreaterThan(10);
  });
});
