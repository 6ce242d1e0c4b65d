/** The tank farm server: its own timer drives the physics, tanks are found by id, bad specs are refused. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatorError } from '../errors.ts';
import { bulkNodeId, startTankFarm, tankNodeId, type RunningTankFarm } from './tank-farm.ts';

let pkiDir = '';
let farm: RunningTankFarm;

beforeAll(async () => {
  pkiDir = await mkdtemp(join(tmpdir(), 'hazmon-tank-farm-test-'));
  farm = await startTankFarm({
    port: 0,
    tanks: [{ id: 'T101', heightMm: 10_000, levelMm: 1000, pressureKPa: 100, temperatureC: 20, inletFlowMmPerS: 10 }],
    speed: 50,
    tickMs: 20,
    pkiDir,
  });
});

afterAll(async () => {
  await farm?.stop();
  await rm(pkiDir, { recursive: true, force: true });
});

describe('startTankFarm', () => {
  it('listens on loopback at the port it picked', () => {
    expect(farm.port).toBeGreaterThan(0);
    expect(farm.endpointUrl).toBe(`opc.tcp://127.0.0.1:${farm.port}`);
  });

  it('advances the physics with its own timer at the speed factor', async () => {
    const tank = farm.tank('T101');
    tank.set('inletOpen', 1);
    const start = tank.get('level');
    const deadline = Date.now() + 20_000;
    while (tank.get('level') <= start + 100 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tank.get('level')).toBeGreaterThan(start + 100);
    tank.set('inletOpen', 0);
  });

  it('names unknown tanks and refuses duplicate ids', async () => {
    expect(() => farm.tank('T999')).toThrow(/tank farm has no tank "T999"; known: T101/);
    const duplicate = { id: 'A', heightMm: 10, levelMm: 1, pressureKPa: 1, temperatureC: 1 };
    await expect(startTankFarm({ port: 0, tanks: [duplicate, duplicate], pkiDir })).rejects.toThrow(SimulatorError);
  });

  it('builds stable NodeIds', () => {
    expect(tankNodeId('T101', 'Level')).toBe('ns=1;s=TankFarm.T101.Level');
    expect(bulkNodeId(42)).toBe('ns=1;s=Bulk.V42');
  });
});
