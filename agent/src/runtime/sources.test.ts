/** SourceUnits: which units a replace builds, stops and starts, and in what order (units are plain records here). */
import { describe, expect, it } from 'vitest';
import type { Retiring } from './sources.ts';
import { SourceUnits } from './sources.ts';

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
    await units.replace(new Map([['a', 'A1'], ['b', 'B1']]), build).settled;
    units.start();
    const before = units.get('a')!;
    holdStops(true);
    const { changes, settled } = units.replace(new Map([['a', 'A2'], ['b', 'B1'], ['c', 'C1']]), build);
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
    expect(() => units.replace(new Map([['a', 'A2'], ['c', 'C1']]), failing)).toThrow(/line x/);
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
