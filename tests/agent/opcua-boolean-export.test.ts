/**
 * An OPC UA Boolean declared `type: bool` is kept and exported as a boolean, against a real tank farm and a real DuckDB
 * file: registered as a boolean point, true/false in CSV, BOOLEAN in Parquet; a Double sent to a `bool` point is a
 * bad reading naming the node, never a stored number.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentConfig } from '@hazmon/agent';
import type { Reading } from '@hazmon/protocols';
import { tankNodeId } from '@hazmon/simulators';
import { queryExportedFiles } from '../../agent/test/fixtures/store/test-helpers.ts';
import { cleanupsAfterEach, rawRows, startOneTankFarm, waitFor, waitForRows } from './fixture.ts';

const cleanup = cleanupsAfterEach();

describe('OPC UA booleans in the store', () => {
  it('keeps inletOpen declared type: bool as a boolean point: true/false in CSV, BOOLEAN in Parquet', async () => {
    const { dir, farm } = await startOneTankFarm('opcua-bool', cleanup);
    const config: AgentConfig = parseAgentConfig(
      `
site: { id: yard, name: Yard }
opcua:
  - id: farm
    endpointUrl: ${farm.endpointUrl}
    publishingIntervalMs: 100
    points:
      - { id: T-1.inlet, nodeId: "${tankNodeId('T-1', 'InletValve')}", type: bool, samplingIntervalMs: 50 }
      - { id: T-1.level-as-bool, nodeId: "${tankNodeId('T-1', 'Level')}", type: bool, samplingIntervalMs: 100 }
      - { id: T-1.level, nodeId: "${tankNodeId('T-1', 'Level')}", samplingIntervalMs: 100 }
store: { path: ${JSON.stringify(join(dir, 'site.duckdb'))} }
`,
      join(dir, 'site.yaml'),
    );
    expect(config.storePoints.find((point) => point.pointId === 'T-1.inlet')).toMatchObject({ valueKind: 'boolean', resolution: 1 });
    expect(config.storePoints.find((point) => point.pointId === 'T-1.level')).toMatchObject({ valueKind: 'number' });

    const startedAt = Date.now();
    const agent = await Agent.start(config, { store: { flushIntervalMs: 100 } });
    cleanup(() => agent.stop());
    const readings: Reading[] = [];
    agent.subscribeReadings((batch) => readings.push(...batch));
    await waitFor('the inlet read closed', () => readings.some((reading) => reading.pointId === 'T-1.inlet' && reading.value === false));
    farm.tank('T-1').set('inletOpen', 1);
    await waitFor('the inlet read open', () => readings.some((reading) => reading.pointId === 'T-1.inlet' && reading.value === true));
    const mismatch = await waitFor('the Double sent to a bool point', () => readings.find((reading) => reading.pointId === 'T-1.level-as-bool'));
    expect(mismatch).toMatchObject({ quality: 'bad', value: null, reason: { code: 'decode' } });
    expect(mismatch.reason?.message).toBe(`${farm.endpointUrl} node ${tankNodeId('T-1', 'Level')} sent Double 1000 but point T-1.level-as-bool is declared type: bool`);
    await waitFor('a level reading', () => readings.some((reading) => reading.pointId === 'T-1.level' && reading.quality === 'good'));

    // Every reading seen above is committed before the export reads the file.
    await waitForRows(
      () => rawRows(agent.reader, 'T-1.inlet', startedAt),
      (rows) => new Set(rows.map((row) => row.value)).size >= 2,
    );
    await waitForRows(
      () => rawRows(agent.reader, 'T-1.level-as-bool', startedAt),
      (rows) => rows.length > 0,
    );
    await waitForRows(
      () => rawRows(agent.reader, 'T-1.level', startedAt),
      (rows) => rows.some((row) => row.quality === 'good'),
    );
    const to = Date.now() + 1000;
    const csv = join(dir, 'readings.csv');
    const parquet = join(dir, 'readings.parquet');
    expect(await agent.reader.exportRange({ what: 'readings', format: 'csv', path: csv, from: startedAt, to })).toBeGreaterThan(0);
    expect(await agent.reader.exportRange({ what: 'readings', format: 'parquet', path: parquet, from: startedAt, to })).toBeGreaterThan(0);

    const [header, ...lines] = readFileSync(csv, 'utf8').trim().split('\n');
    const columns = header!.split(',');
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((cell, index) => [columns[index], cell])));
    const inlet = rows.filter((row) => row['point_id'] === 'T-1.inlet');
    expect(new Set(inlet.map((row) => row['value_bool']))).toEqual(new Set(['false', 'true']));
    expect(new Set(inlet.map((row) => row['value']))).toEqual(new Set(['']));
    expect(rows.filter((row) => row['point_id'] === 'T-1.level').every((row) => Number(row['value']) === 1000 && row['value_bool'] === '')).toBe(true);
    expect(rows.filter((row) => row['point_id'] === 'T-1.level-as-bool').every((row) => row['quality'] === 'bad' && row['value_bool'] === '')).toBe(true);

    const types = await queryExportedFiles(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${parquet}')) WHERE column_name IN ('value', 'value_bool')`);
    expect(types).toEqual([
      { column_name: 'value', column_type: 'DOUBLE' },
      { column_name: 'value_bool', column_type: 'BOOLEAN' },
    ]);
    const stored = await queryExportedFiles(`SELECT DISTINCT value_bool FROM read_parquet('${parquet}') WHERE point_id = 'T-1.inlet' ORDER BY value_bool`);
    expect(stored).toEqual([{ value_bool: false }, { value_bool: true }]);
  }, 60_000);
});
