/** SourceUnits (plain records as units): what a replace builds, stops and starts, in what order; ModbusLines against simulators. */
import { describe, expect, it } from 'vitest';
import { startSite } from '@hazmon/simulators';
import { parseAgentConfig } from '../config/index.ts';
import { waitFor } from '@hazmon/test-support';
import type { Retiring } from './sources.ts';
import { ModbusLines, SourceUnits } from './sources.ts';

interface FakeSource {
  readonly name: string;
  readonly retiring: Retiring;
}

/** A set whose lifecycle logs `start x` / `stop x`; stops resolve when the test says so. */
function harness() {
  const log: string[] = [];
  const pendingStops: (() => void)[] = [];
  let holdStops = false;
  const units = new SourceUnits<FakeSource>({
    start: (source) => void log.push(`start ${source.name}`),
    stop: (source) => {
      log.push(`stop ${source.name}`);
      return holdStops ? new Promise<void>((resolve) => pendingStops.push(resolve)) : Promise.resolve();
    },
  });
  let generation = 0;
  const build = (id: string, retiring: Retiring): FakeSource => ({ name: `${id}#${++generation}`, retiring });
  return { log, units, build, holdStops: (hold: boolean) => (holdStops = hold), releaseStops: () => pendingStops.splice(0).forEach((resolve) => resolve()) };
}

describe('SourceUnits', () => {
  it('stops a replaced unit before its successor starts, leaves an unchanged one running and marks only the old one retiring', async () => {
    const { log, units, build, holdStops, releaseStops } = harness();
    await units.replace(
      new Map([
        ['a', 'A1'],
        ['b', 'B1'],
      ]),
      build,
    ).settled;
    units.start();
    const before = units.get('a')!;
    holdStops(true);
    const { changes, settled } = units.replace(
      new Map([
        ['a', 'A2'],
        ['b', 'B1'],
        ['c', 'C1'],
      ]),
      build,
    );
    expect(changes).toEqual({ kept: ['b'], restarted: ['a'], added: ['c'], removed: [] });
    expect(before.retiring()).toBe(true);
    expect(units.get('a')!.name).toBe('a#3');
    expect(units.get('a')!.retiring()).toBe(false);
    expect(units.get('b')!.name).toBe('b#2');
    // Nothing new starts while the old unit is still stopping (a serial port cannot be opened twice).
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a#1', 'start b#2', 'stop a#1']);
    releaseStops();
    await settled;
    expect(log).toEqual(['start a#1', 'start b#2', 'stop a#1', 'start a#3', 'start c#4']);
  });

  it('changes nothing when building a new unit throws', async () => {
    const { log, units, build } = harness();
    await units.replace(new Map([['a', 'A1']]), build).settled;
    units.start();
    const failing = (id: string, retiring: Retiring) => {
      if (id === 'c') throw new RangeError('device c names line x, which is not defined');
      return build(id, retiring);
    };
    expect(() =>
      units.replace(
        new Map([
          ['a', 'A2'],
          ['c', 'C1'],
        ]),
        failing,
      ),
    ).toThrow(/line x/);
    expect(units.get('a')!.name).toBe('a#1');
    expect(units.get('a')!.retiring()).toBe(false);
    expect(units.get('c')).toBeUndefined();
    expect(log).toEqual(['start a#1']);
  });

  it('does not start units while not running, starts each unit once, and stop waits for a replace under way', async () => {
    const { log, units, build, holdStops, releaseStops } = harness();
    await units.replace(new Map([['a', 'A1']]), build).settled;
    expect(log).toEqual([]);
    units.start();
    units.start();
    expect(log).toEqual(['start a#1']);
    holdStops(true);
    const { settled } = units.replace(new Map([['b', 'B1']]), build);
    const stopped = units.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a#1', 'stop a#1']);
    holdStops(false);
    releaseStops();
    await settled;
    await stopped;
    // b was built while running but the set stopped before a's stop ended: b is never started, only stopped.
    expect(log).toEqual(['start a#1', 'stop a#1', 'stop b#2']);
  });
});

describe('ModbusLines against simulated detectors', () => {
  it('restarts only the changed line, keeps the other polling with the same counters, and hands the cut-off requests over as retiring', async () => {
    const site = await startSite({
      name: 'lines',
      speed: 1,
      tcp: [
        { name: 'a', devices: [{ id: 'GD-1', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 5 } }] },
        { name: 'b', devices: [{ id: 'GD-2', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 5 } }] },
      ],
    });
    const port = (deviceId: string) => site.endpoints.find((endpoint) => endpoint.deviceId === deviceId)!.port!;
    const config = (timeoutMs: number) =>
      parseAgentConfig(
        `
site: { id: s, name: S, areas: [{ id: a }] }
lines:
  - { id: a, kind: tcp, host: 127.0.0.1, port: ${port('GD-1')} }
  - { id: b, kind: tcp, host: 127.0.0.1, port: ${port('GD-2')}, timing: { timeoutMs: ${timeoutMs}, retries: 0 } }
devices:
  - { id: GD-1, profile: honeywell-midas, line: a, unitId: 1 }
  - { id: GD-2, profile: honeywell-midas, line: b, unitId: 1 }
points: []
store: { path: unused.duckdb }
`,
        '/etc/hazmon/site.yaml',
      );
    const seen: { deviceId: string; good: boolean; reason: string | undefined; retiring: boolean }[] = [];
    const lines = new ModbusLines(
      (rows, retiring) => {
        for (const reading of rows.readings()) seen.push({ deviceId: reading.pointId.split('.')[0]!, good: reading.quality === 'good', reason: reading.reason?.code, retiring: retiring() });
      },
      () => -1,
      Date.now,
    );
    try {
      const first = config(8000);
      lines.replace(first.lines, first.devices);
      lines.start();
      await waitFor('GD-1 read', () => seen.some((entry) => entry.deviceId === 'GD-1' && entry.good));
      // GD-2 stops answering: its next request hangs (8 s timeout) until the line is stopped.
      site.setCommsFault('GD-2', 'noAnswer');
      const asked = site.unitHost('GD-2').statistics.count();
      await waitFor('a GD-2 request in flight', () => site.unitHost('GD-2').statistics.count() > asked);
      const counters = lines.counters('GD-1');
      const second = config(9000);
      const { lines: changes, devices, settled } = lines.replace(second.lines, second.devices);
      await settled;
      expect(changes).toEqual({ kept: ['a'], restarted: ['b'], added: [], removed: [] });
      expect(devices).toEqual({ kept: ['GD-1'], restarted: ['GD-2'], added: [], removed: [] });
      const retired = seen.filter((entry) => entry.retiring);
      expect(retired.length).toBeGreaterThan(0);
      expect(retired.every((entry) => entry.deviceId === 'GD-2' && !entry.good && entry.reason === 'connection')).toBe(true);
      expect(lines.counters('GD-1')).toBe(counters);
      site.setCommsFault('GD-2', 'none');
      const before = seen.length;
      await waitFor('GD-2 read good through the new line', () => seen.slice(before).some((entry) => entry.deviceId === 'GD-2' && entry.good && !entry.retiring));
    } finally {
      await lines.stop();
      await site.stop();
    }
  }, 60_000);
});
