import { SerialPort } from 'serialport';
import { crc16 } from '../../../simulators/src/modbus/crc16.ts';
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
import { ModbusLine, newCounters, type JobOutcome } from './line.ts';
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

describe('Modbus RTU over a socat pty pair', () => {
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

/**
 * A slave that answers FC03 with each register holding its own address, after `delayMs`; the first request's
 * answer comes `firstDelayMs` late instead.
 */
async function scriptedSlave(path: string, delayMs: number, firstDelayMs: number): Promise<{ close(): Promise<void> }> {
  const port = new SerialPort({ path, baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  let pending = Buffer.alloc(0);
  let answered = 0;
  port.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const request = pending.subarray(0, 8);
      pending = pending.subarray(8);
      const [unit, address, quantity] = [request[0]!, request.readUInt16BE(2), request.readUInt16BE(4)];
      const answer = Buffer.alloc(5 + 2 * quantity);
      answer.writeUInt8(unit, 0);
      answer.writeUInt8(3, 1);
      answer.writeUInt8(2 * quantity, 2);
      for (let i = 0; i < quantity; i += 1) answer.writeUInt16BE(address + i, 3 + 2 * i);
      answer.writeUInt16LE(crc16(answer, 0, answer.length - 2), answer.length - 2);
      setTimeout(() => port.write(answer), answered === 0 ? firstDelayMs : delayMs);
      answered += 1;
    }
  });
  return { close: () => new Promise<void>((resolve) => port.close(() => resolve())) };
}

describe('Modbus RTU late answers', () => {
  it('a late answer is not taken for the next request to the same unit and function: the line keeps quiet after a timeout', async () => {
    pair = await ptyPair();
    // Answers take 250 ms, the first 750 ms: past the 500 ms timeout, inside the quiet gap after it (until 1000 ms),
    // 250 ms from either edge so that timers running late on a loaded machine do not move it out.
    const slave = await scriptedSlave(pair.server, 250, 750);
    const line = new ModbusLine({ id: 'rs485', kind: 'rtu', path: pair.client, timing: { timeoutMs: 500, retries: 0, backoffBaseMs: 0, quietAfterTimeoutMs: 500 } });
    try {
      line.start();
      const read = (address: number) => new Promise<JobOutcome>((done) => line.enqueue({ unitId: 1, functionCode: 3, address, quantity: 2, counters: newCounters(), done }));
      const [first, second] = await Promise.all([read(100), read(200)]);
      expect(first).toMatchObject({ ok: false, code: 'timeout' });
      expect(second.ok).toBe(true);
      if (second.ok) expect([second.registers!.readUInt16BE(0), second.registers!.readUInt16BE(2)]).toEqual([200, 201]);
    } finally {
      await line.stop();
      await slave.close();
      pair.close();
    }
  }, 30_000);
});
