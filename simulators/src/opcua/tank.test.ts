/** Tank physics and quantity handling, without a server. */

import { describe, expect, it } from 'vitest';
import { SimulatorError } from '../errors.ts';
import { TankDevice } from './tank.ts';

const spec = { id: 'T1', heightMm: 1000, levelMm: 500, pressureKPa: 100, temperatureC: 20, inletFlowMmPerS: 10, outletFlowMmPerS: 4 };

describe('TankDevice', () => {
  it('rises at the inlet rate, falls at the pump rate, and nets both', () => {
    const tank = new TankDevice(spec);
    tank.set('inletOpen', 1);
    tank.advance(2000);
    expect(tank.get('level')).toBe(520);
    tank.set('outletRunning', 1);
    tank.advance(1000);
    expect(tank.get('level')).toBe(526);
    tank.set('inletOpen', 0);
    tank.advance(500);
    expect(tank.get('level')).toBe(524);
  });

  it('stays within 0..height', () => {
    const tank = new TankDevice(spec);
    tank.set('inletOpen', 1);
    tank.advance(600_000);
    expect(tank.get('level')).toBe(1000);
    tank.set('inletOpen', 0);
    tank.set('outletRunning', 1);
    tank.advance(600_000);
    expect(tank.get('level')).toBe(0);
  });

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
});
