/** Oracle test: scenario readings go into a real DuckDB file; SQL window functions there must agree with the engine. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { loadScenarioFile, renderScenarioSignal, scenarioCommsFaultAt, scenarioQuantities } from '@hazmon/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmEngine } from './engine.ts';
import type { EngineEvent } from './events.ts';

const T0 = 1_700_000_000_000;
const HOLD_MS = 5_000;
const STEP_MS = 1_000;
/** Rendered past each scenario's own length (values hold) so the 10 and 15 min windows fill and slide. */
const RENDER_MS = 1_500_000;
/** 10 min and 15 min windows are paned (600 s / 480 = 1250 ms, 900 s / 480 = 1875 ms panes); 60 s is raw. */
const PANED = { windowMs: 600_000, paneMs: 1_250 };
const TWA = { windowMs: 900_000, paneMs: 1_875 };
const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../simulators/scenarios');

interface OracleScenario {
  readonly name: string;
  readonly t: number[];
  readonly v: number[];
  readonly good: boolean[];
  /** Limits placed inside each scenario's own range so that every scenario crosses them. */
  readonly hi: number;
  readonly avgLimit: number;
}

function pointRules(scenario: OracleScenario) {
  const span = scenario.hi - scenario.avgLimit;
  return {
    limits: { hi: scenario.hi },
    holdS: HOLD_MS / 1000,
    health: { staleS: 86_400 },
    lateToleranceS: 0,
    windows: [
      { name: 'avg60', aggregate: 'avg', windowS: 60, above: scenario.avgLimit },
      { name: 'max60', aggregate: 'max', windowS: 60, above: scenario.hi + span },
      { name: 'min60', aggregate: 'min', windowS: 60, below: scenario.avgLimit - span },
      { name: 'avg600', aggregate: 'avg', windowS: 600, above: scenario.avgLimit },
      { name: 'max600', aggregate: 'max', windowS: 600, above: scenario.hi },
      { name: 'twa900', aggregate: 'twa', windowS: 900, above: scenario.avgLimit },
    ],
  };
}

/**
 * The simulators' scenario files rendered with their pure renderScenarioSignal: the value quantity every STEP_MS,
 * bad quality while the scenario's sensor fault or comms loss is on, and comms gaps (15 s dropped every 97 s) cut in.
 */
function fromSimulator(file: string): OracleScenario {
  const scenario = loadScenarioFile(join(SCENARIO_DIR, file));
  const quantity = scenarioQuantities(scenario).find((name) => name !== 'sensorFault') ?? 'concentration';
  const options = { stepMs: STEP_MS, durationMs: RENDER_MS };
  const fault = scenarioQuantities(scenario).includes('sensorFault') ? renderScenarioSignal(scenario, 'sensorFault', options) : null;
  const result: OracleScenario & { hi: number; avgLimit: number } = { name: scenario.name, t: [], v: [], good: [], hi: 0, avgLimit: 0 };
  renderScenarioSignal(scenario, quantity, options).forEach(({ simTimeMs, value }, i) => {
    if (Math.floor(simTimeMs / 1000) % 97 >= 82) return;
    result.t.push(T0 + simTimeMs);
    result.v.push(value);
    result.good.push(fault?.[i]?.value !== 1 && scenarioCommsFaultAt(scenario, simTimeMs) === 'none');
  });
  const goodValues = result.v.filter((_, i) => result.good[i]);
  const low = Math.min(...goodValues);
  const high = Math.max(...goodValues);
  result.hi = low + 0.5 * (high - low);
  result.avgLimit = low + 0.4 * (high - low);
  return result;
}

const scenarios = readdirSync(SCENARIO_DIR)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map(fromSimulator);

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

function engineRun(scenario: OracleScenario) {
  const events: EngineEvent[] = [];
  const rules = pointRules(scenario);
  const engine = new AlarmEngine({ points: [{ id: 'P', ...rules }] }, (event) => events.push(event));
  const perReading = new Map<number, Record<string, number>>();
  scenario.t.forEach((t, seq) => {
    engine.processReading(0, t, scenario.good[seq] ? scenario.v[seq]! : Number.NaN, scenario.good[seq] ? 0 : 2, 0, 0);
    if (!scenario.good[seq]) return;
    const record: Record<string, number> = {};
    for (const rule of rules.windows) {
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
    await connection.run('CREATE TABLE limits (scenario VARCHAR, hi DOUBLE, avg_limit DOUBLE)');
    const limits = await connection.createAppender('limits');
    for (const scenario of scenarios) {
      limits.appendVarchar(scenario.name);
      limits.appendDouble(scenario.hi);
      limits.appendDouble(scenario.avgLimit);
      limits.endRow();
    }
    limits.closeSync();
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
    const sql = await query(
      connection,
      `
      SELECT scenario, seq, avg(v) OVER w, max(v) OVER w, min(v) OVER w, count(*) OVER w
      FROM readings WHERE good
      WINDOW w AS (PARTITION BY scenario ORDER BY t RANGE BETWEEN 59999 PRECEDING AND CURRENT ROW)`,
    );
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
    const paned = await query(
      connection,
      `
      WITH g AS (SELECT * FROM readings WHERE good)
      SELECT a.scenario, a.seq, avg(b.v), max(b.v), count(*)
      FROM g a JOIN g b ON b.scenario = a.scenario AND b.t <= a.t
        AND b.t > floor((a.t - ${PANED.windowMs}) / ${PANED.paneMs}.0) * ${PANED.paneMs}
      GROUP BY a.scenario, a.seq`,
    );
    const twa = await query(
      connection,
      `
      WITH s AS (SELECT *, lead(t) OVER (PARTITION BY scenario ORDER BY t) AS next_t FROM readings),
      q AS (SELECT scenario, seq, t AS now, floor((t - ${TWA.windowMs}) / ${TWA.paneMs}.0) * ${TWA.paneMs} AS start FROM readings WHERE good),
      c AS (SELECT q.scenario, q.seq, s.v,
              greatest(0, least(coalesce(s.next_t, q.now), s.t + ${HOLD_MS}, q.now) - greatest(s.t, q.start)) AS held
            FROM q JOIN s ON s.scenario = q.scenario AND s.good AND s.t <= q.now)
      SELECT scenario, seq, sum(v * held) / sum(held) FROM c GROUP BY scenario, seq`,
    );
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
    const crossings = await query(
      connection,
      `
      WITH g AS (SELECT scenario, seq, t, v, avg(v) OVER w AS a FROM readings WHERE good
                 WINDOW w AS (PARTITION BY scenario ORDER BY t RANGE BETWEEN 59999 PRECEDING AND CURRENT ROW)),
      l AS (SELECT g.*, lag(v) OVER o AS pv, lag(a) OVER o AS pa FROM g WINDOW o AS (PARTITION BY scenario ORDER BY t))
      SELECT l.scenario, seq, t,
        CASE WHEN v >= hi AND (pv IS NULL OR pv < hi) THEN 1 ELSE 0 END,
        CASE WHEN a >= avg_limit AND (pa IS NULL OR pa < avg_limit) THEN 1 ELSE 0 END
      FROM l JOIN limits USING (scenario) ORDER BY l.scenario, t`,
    );
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
