/** Tank physics and quantity handling, without a server. */

import { describe, expect, it } from 'vitest';
import { SimulatorError } from '../errors.ts';
import { TankDevice } from './tank.ts';

const spec = { id: 'T1', heightMm: 1000, levelMm: 500, pressureKPa: 100, temperatureC: 20, inletFlowMmPerS: 10, outletFlowMmPerS: 4 };

describe('TankDevice', () => {
  /** Each step: set inlet and pump, advance, expect the level. */
  const cases: { name: string; steps: [inletOpen: number, outletRunning: number, advanceMs: number, levelMm: number][] }[] = [
    {
      name: 'rises at the inlet rate, falls at the pump rate, and nets both',
      steps: [
        [1, 0, 2000, 520],
        [1, 1, 1000, 526],
        [0, 1, 500, 524],
      ],
    },
    {
      name: 'stays within 0..height',
      steps: [
        [1, 0, 600_000, 1000],
        [0, 1, 600_000, 0],
      ],
    },
  ];
  for (const { name, steps } of cases) {
    it(name, () => {
      const tank = new TankDevice(spec);
      for (const [inletOpen, outletRunning, advanceMs, levelMm] of steps) {
        tank.set('inletOpen', inletOpen);
        tank.set('outletRunning', outletRunning);
        tank.advance(advanceMs);
        expect(tank.get('level')).toBe(levelMm);
      }
    });
  }

  it('notifies on every change so the server can publish', () => {
    const tank = new TankDevice(spec);
    let changes = 0;
    tank.onChange = () => changes++;
    tank.set('pressure', 120);
    tank.advance(100);
    expect(changes).toBe(2);
    expect(tank.get('pressure')).toBe(120);
  });

  it('refuses unknown quantities, non-finite values and impossible specs with the tank named', () => {
    const tank = new TankDevice(spec);
    expect(() => tank.set('volume', 1)).toThrow(SimulatorError);
    expect(() => tank.get('volume')).toThrow(/tank "T1" has no quantity "volume"; known: level, pressure/);
    expect(() => tank.set('level', Number.NaN)).toThrow(/tank "T1": quantity "level" needs a finite number, got NaN/);
    expect(() => new TankDevice({ ...spec, levelMm: 1200 })).toThrow(/tank "T1": levelMm must lie within 0\.\.1000, got 1200/);
    expect(() => new TankDevice({ ...spec, heightMm: 0 })).toThrow(/heightMm must be > 0, got 0/);
  });

  it('moves the inlet valve over its travel time, its limit switches following; stuck holds it', () => {
    const tank = new TankDevice({ ...spec, inletTravelTimeMs: 2000 });
    const switches = () => [tank.inletSwitch('closed'), tank.inletSwitch('open')];
    expect(switches()).toEqual([true, false]);
    tank.set('inletOpen', 1);
    tank.advance(1000);
    expect(switches()).toEqual([false, false]);
    tank.advance(1000);
    expect(switches()).toEqual([false, true]);
    tank.set('inletStuck', 1);
    tank.set('inletOpen', 0);
    tank.advance(5000);
    expect(switches()).toEqual([false, true]);
    tank.set('inletStuck', 0);
    tank.advance(2000);
    expect(switches()).toEqual([true, false]);
  });
});
