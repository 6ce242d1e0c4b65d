import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '../reading.ts';
import { createModbusDevice } from '../profiles/device.ts';
import { loadProfile } from '../profiles/load.ts';
import { ModbusPoller } from './client.ts';
import type { TestRtuServer } from './test-server.ts';
import { startTestRtuServer } from './test-server.ts';

/** A real pty pair through socat: the poller opens one end, the RTU slaves the other. */
async function ptyPair(): Promise<{ client: string; server: string; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-rtu-'));
  const client = join(dir, 'client');
  const server = join(dir, 'server');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${client}`, `pty,raw,echo=0,link=${server}`], { stdio: 'ignore' });
  const started = Date.now();
  while (!(existsSync(client) && existsSync(server))) {
    if (Date.now() - started > 10_000) throw new Error('socat did not create the pty pair');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    client,
    server,
    close: () => {
      socat.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let pair: Awaited<ReturnType<typeof ptyPair>>;
let slaves: TestRtuServer;
let poller: ModbusPoller | undefined;

beforeEach(async () => {
  pair = await ptyPair();
  slaves = await startTestRtuServer(pair.server);
});

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  await slaves.close();
  pair.close();
});

describe('Modbus RTU over a socat pty pair', () => {
  it('polls two MSA Ultima X units on one line, backs off a dead one and keeps reading the other', async () => {
    const profile = loadProfile('msa-ultima-x');
    slaves.unit(3).holding[1000] = 40000;
    slaves.unit(3).holding[40207] = 0x4000; // 2.0 as float32, most significant word first
    slaves.silentUnits.add(9);
    const devices = [
      createModbusDevice(profile, { id: 'msa-3', profile: 'msa-ultima-x', line: 'rs485', unitId: 3 }),
      createModbusDevice(profile, { id: 'msa-9', profile: 'msa-ultima-x', line: 'rs485', unitId: 9 }),
    ];
    const readings: Reading[] = [];
    poller = new ModbusPoller({
      lines: [{ id: 'rs485', kind: 'rtu', path: pair.client, ...profile.serial!, timing: { timeoutMs: 500, retries: 1, backoffBaseMs: 1000 } }],
      devices,
      onReadings: (batch) => readings.push(...batch),
    });
    poller.start();
    const good = () => readings.filter((r) => r.pointId === 'msa-3.gas1' && r.quality === 'good');
    const started = Date.now();
    while (good().length < 5 || !readings.some((r) => r.pointId === 'msa-9.gas1' && r.reason?.code === 'backoff')) {
      if (Date.now() - started > 20_000) throw new Error('no steady RTU polling');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(good()[0]).toMatchObject({ value: 2, unit: '%LEL', sourceTime: null });
    const timeout = readings.find((r) => r.pointId === 'msa-9.gas1' && r.reason?.code === 'timeout');
    expect(timeout?.reason?.message).toBe('device msa-9 (unit 9) FC03 address 40201 x8: timeout after 500 ms');
    expect(poller.counters('msa-9').backoffs).toBeGreaterThan(0);
    expect(poller.counters('msa-3').responses).toBeGreaterThanOrEqual(5);
  });
});
