import { waitFor } from '@hazmon/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '../reading.ts';
import { createModbusDevice } from '../profiles/device.ts';
import { parseProfile } from '../profiles/load.ts';
import { ModbusPoller } from './client.ts';
import type { ReadyDevice } from './device.ts';
import type { LineConfig } from './line.ts';
import type { TestServer } from './test-server.ts';
import { registerLabel } from './point.ts';
import { exceptionKey, startTestServer } from './test-server.ts';

const PROFILE = parseProfile(
  `
model: test-detector
defaults: { table: holding }
health: { fault: [fault], warm_up: [warmUp] }
points:
  - { id: status, address: 0, type: uint16, intervalMs: 100, flags: { fault: 6, warmUp: 4 } }
  - { id: concentration, address: 2, type: float32, order: CDAB, unit: ppm, intervalMs: 100 }
  - { id: setpoint, address: 10, type: float32, unit: ppm, intervalMs: 100, writable: true }
  - { id: relay, table: coil, address: 3, type: bool, intervalMs: 100, writable: true }
`,
  'test-detector.yaml',
);

// Timeouts generous enough for a loaded 2-core machine; the silent-unit test shortens its own.
const FAST = { timeoutMs: 2000, retries: 1, backoffBaseMs: 600, backoffMaxMs: 2000, reconnectBaseMs: 50, reconnectMaxMs: 400 };

let server: TestServer;
let poller: ModbusPoller | undefined;
let readings: Reading[];

beforeEach(async () => {
  server = await startTestServer();
  readings = [];
});

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
  await server.close();
});

function device(id: string, unitId: number): ReadyDevice {
  return createModbusDevice(PROFILE, { id, profile: 'test-detector', line: 'plant', unitId });
}

function startPoller(devices: ReadyDevice[], timing: Partial<typeof FAST> = FAST): ModbusPoller {
  const line: LineConfig = { id: 'plant', kind: 'tcp', host: '127.0.0.1', port: server.port, timing };
  poller = new ModbusPoller({ lines: [line], devices, onReadings: (batch) => readings.push(...batch) });
  poller.start();
  return poller;
}

function writeFloatCdab(unitId: number, address: number, value: number): void {
  const bytes = Buffer.alloc(4);
  bytes.writeFloatBE(value, 0);
  server.unit(unitId).holding[address] = bytes.readUInt16BE(2);
  server.unit(unitId).holding[address + 1] = bytes.readUInt16BE(0);
}

const of = (pointId: string) => readings.filter((reading) => reading.pointId === pointId);

describe('ModbusPoller over Modbus TCP on loopback', () => {
  it('hands rows to onRows: good numbers plain (no object), with the index pointIndex gave each point; other rows with their Reading', async () => {
    writeFloatCdab(1, 2, 42.5);
    server.unit(1).coil[3] = 1;
    const ids = ['gas-1.status', 'gas-1.concentration', 'gas-1.setpoint', 'gas-1.relay'];
    const rows: { point: number; plain: boolean; reading: Reading }[] = [];
    const line: LineConfig = { id: 'plant', kind: 'tcp', host: '127.0.0.1', port: server.port, timing: FAST };
    poller = new ModbusPoller({
      lines: [line],
      devices: [device('gas-1', 1)],
      pointIndex: (readingId) => ids.indexOf(readingId),
      onRows: (batch) => {
        for (let row = 0; row < batch.length; row++) rows.push({ point: batch.point[row]!, plain: batch.objectAt(row) === undefined, reading: batch.readingAt(row) });
      },
    });
    poller.start();
    await waitFor('a row of every point', () => ids.every((_, point) => rows.some((row) => row.point === point)));
    const first = (point: number) => rows.find((row) => row.point === point)!;
    expect(first(1)).toMatchObject({ plain: true, reading: { pointId: 'gas-1.concentration', value: 42.5, unit: 'ppm', quality: 'good', sourceTime: null } });
    expect(first(1).reading.receiveTime).toBeGreaterThan(1_600_000_000_000);
    // A status word keeps its flags, a coil its boolean: both need the object.
    expect(first(0)).toMatchObject({ plain: false, reading: { flags: { fault: false, warmUp: false } } });
    expect(first(3)).toMatchObject({ plain: false, reading: { value: true } });
    server.unit(1).holding[0] = 1 << 6;
    await waitFor('a concentration under a fault', () => rows.some((row) => row.point === 1 && row.reading.quality === 'bad'));
    expect(rows.find((row) => row.point === 1 && row.reading.quality === 'bad')).toMatchObject({ plain: false, reading: { reason: { code: 'device_fault' } } });
  });

  it('reads and decodes every point, with receive time and no source time', async () => {
    writeFloatCdab(1, 2, 42.5);
    server.unit(1).coil[3] = 1;
    startPoller([device('gas-1', 1)]);
    await waitFor('first readings', () => of('gas-1.concentration').length > 0 && of('gas-1.relay').length > 0);
    const concentration = of('gas-1.concentration')[0]!;
    expect(concentration).toMatchObject({ value: 42.5, unit: 'ppm', quality: 'good', sourceTime: null });
    expect(concentration.reason).toBeUndefined();
    expect(concentration.receiveTime).toBeGreaterThan(1_600_000_000_000);
    expect(of('gas-1.relay')[0]).toMatchObject({ value: true, quality: 'good' });
    expect(of('gas-1.status')[0]).toMatchObject({ value: 0, flags: { fault: false, warmUp: false } });
    // status, concentration and setpoint (0..11, gap 6) are one request per cycle.
    expect(server.reads.filter((read) => read.unitId === 1).every((read) => read.address === 0 && read.quantity === 12)).toBe(true);
  });

  it('turns a fault flag into bad device_fault and warm-up into uncertain readings of the measurements', async () => {
    writeFloatCdab(1, 2, 5);
    server.unit(1).holding[0] = 1 << 6;
    startPoller([device('gas-1', 1)]);
    await waitFor('a reading', () => of('gas-1.concentration').length > 0);
    const faulty = of('gas-1.concentration')[0]!;
    expect(faulty.quality).toBe('bad');
    expect(faulty.value).toBe(5);
    expect(faulty.reason?.code).toBe('device_fault');
    expect(faulty.reason?.message).toContain('device gas-1 (unit 1) status @40001 = 0x0040: fault (fault)');
    server.unit(1).holding[0] = 1 << 4;
    await waitFor('warm-up reading', () => of('gas-1.concentration').some((reading) => reading.quality === 'uncertain'));
    expect(of('gas-1.concentration').at(-1)?.reason?.code).toBe('warm_up');
  });

  it('times out a silent unit with a reason naming device, function and register, and keeps reading the others', async () => {
    server.silentUnits.add(7);
    writeFloatCdab(1, 2, 1);
    const running = startPoller([device('gas-3', 7), device('gas-1', 1)], { ...FAST, timeoutMs: 300 });
    await waitFor('back-off readings', () => of('gas-3.concentration').filter((r) => r.reason?.code === 'backoff').length >= 3);
    const timedOut = of('gas-3.concentration').find((reading) => reading.reason?.code === 'timeout')!;
    expect(timedOut).toMatchObject({ quality: 'bad', value: null });
    expect(timedOut.reason?.message).toBe('device gas-3 (unit 7) FC03 @40001 x12: timeout after 300 ms');
    // Every point of the failed requests gets a bad reading, not only the first.
    expect(of('gas-3.status').some((reading) => reading.reason?.code === 'timeout')).toBe(true);
    expect(of('gas-3.relay').some((reading) => reading.quality === 'bad')).toBe(true);
    const goodBefore = of('gas-1.concentration').filter((reading) => reading.quality === 'good').length;
    await waitFor('healthy unit keeps going', () => of('gas-1.concentration').filter((reading) => reading.quality === 'good').length > goodBefore + 10);
    const dead = running.counters('gas-3');
    expect(dead.timeouts).toBeGreaterThan(0);
    expect(dead.backoffs).toBeGreaterThan(0);
    expect(dead.skipped).toBeGreaterThan(0);
    // While backed off, the dead unit's requests do not reach the wire: far fewer sent than skipped.
    expect(dead.requests).toBeLessThan(dead.skipped);
    expect(running.counters('gas-1').responses).toBeGreaterThan(10);
  });

  it('counts an overrun when a tick on time finds the previous cycle still out', async () => {
    server.silentUnits.add(7);
    const running = startPoller([device('gas-3', 7)], { ...FAST, timeoutMs: 300, retries: 0 });
    await waitFor('a silent unit overrunning its 100 ms interval', () => running.counters('gas-3').overruns > 0);
  });

  it('skips the ticks that run late after the event loop was held without counting them as overruns', async () => {
    const running = startPoller([device('gas-1', 1)]);
    const responses = running.counters('gas-1').responses;
    await waitFor('the unit answering', () => running.counters('gas-1').responses > responses + 3);
    const before = running.counters('gas-1').overruns;
    // Hold the event loop for 20 of the unit's 100 ms ticks: they then run late, one after another.
    const heldUntil = Date.now() + 2000;
    while (Date.now() < heldUntil);
    const afterHold = running.counters('gas-1').responses;
    await waitFor('the unit answering after the hold', () => running.counters('gas-1').responses > afterHold + 3);
    expect(running.counters('gas-1').overruns - before).toBeLessThan(5);
  });

  it('reports an exception response as bad quality naming the register', async () => {
    server.exceptions.set(exceptionKey(1, 'holding', 2), 2);
    const running = startPoller([device('gas-1', 1)]);
    await waitFor('readings', () => of('gas-1.concentration').length >= 3 && of('gas-1.relay').length > 0);
    // Every cycle reports the exception again; none of them is good.
    expect(of('gas-1.concentration').every((reading) => reading.quality === 'bad' && reading.value === null)).toBe(true);
    // The merged read bridged gaps, so it was split; the exception then names the point's own register.
    expect(of('gas-1.concentration')[0]!.reason).toEqual({
      code: 'exception',
      message: 'device gas-1 (unit 1) FC03 @40003 x2: exception 2: illegal data address',
    });
    // The other points of the refused merged read, and the separate coil request, are unaffected.
    expect(of('gas-1.status').every((reading) => reading.quality === 'good')).toBe(true);
    expect(of('gas-1.setpoint')[0]?.quality).toBe('good');
    expect(of('gas-1.relay')[0]?.quality).toBe('good');
    const counters = running.counters('gas-1');
    expect(counters.exceptions).toBeGreaterThanOrEqual(3);
    // Exceptions are answers: not retried.
    expect(counters.retries).toBeLessThanOrEqual(counters.timeouts);
  });

  it('fails the request in flight when the server closes the socket, then reconnects and reads again', async () => {
    writeFloatCdab(1, 2, 3);
    server.silentUnits.add(1);
    // A long timeout: the in-flight request must fail from the closed socket, not from its timer.
    const running = startPoller([device('gas-1', 1)], { ...FAST, timeoutMs: 10_000 });
    const line = running.line('plant')!;
    await waitFor('a request in flight', () => line.connects === 1 && server.reads.length > 0);
    server.dropConnections();
    await waitFor('connection readings', () => of('gas-1.concentration').some((r) => r.reason?.code === 'connection'));
    const lost = of('gas-1.concentration').find((r) => r.reason?.code === 'connection')!;
    expect(lost.reason?.message).toMatch(/^device gas-1 \(unit 1\) FC03 @40001 x12: /);
    expect(running.counters('gas-1').timeouts).toBe(0);
    server.silentUnits.delete(1);
    await waitFor('reconnection', () => line.connects >= 2);
    const after = readings.length;
    await waitFor('good readings again', () => readings.slice(after).some((r) => r.pointId === 'gas-1.concentration' && r.quality === 'good'));
    expect(of('gas-1.concentration').at(-1)).toMatchObject({ value: 3, quality: 'good' });
  });

  it('reconnects a TCP line on which no unit answers at all (a half-open connection never closes by itself)', async () => {
    server.silentUnits.add(1);
    const running = startPoller([device('gas-1', 1)], { ...FAST, timeoutMs: 300, backoffBaseMs: 300 });
    const line = running.line('plant')!;
    await waitFor('a reconnect after silence', () => line.connects >= 2);
    expect(running.counters('gas-1').timeouts).toBeGreaterThanOrEqual(3);
    expect(of('gas-1.concentration').every((reading) => reading.quality === 'bad')).toBe(true);
  });

  it('fails fast with connection readings while nothing listens, every cycle', async () => {
    const port = server.port;
    await server.close();
    server = await startTestServer();
    poller = new ModbusPoller({
      lines: [{ id: 'plant', kind: 'tcp', host: '127.0.0.1', port, timing: FAST }],
      devices: [device('gas-1', 1)],
      onReadings: (batch) => readings.push(...batch),
    });
    poller.start();
    await waitFor('repeated bad readings', () => of('gas-1.concentration').length >= 3);
    expect(of('gas-1.concentration').every((reading) => reading.quality === 'bad' && reading.reason?.code === 'connection')).toBe(true);
  });

  it('writes a coil and a float register and reads them back', async () => {
    const running = startPoller([device('gas-1', 1)]);
    await waitFor('connection', () => running.line('plant')!.isOpen);
    await running.write('gas-1', 'relay', true);
    expect(server.unit(1).coil[3]).toBe(1);
    await running.write('gas-1', 'setpoint', 12.5);
    const bytes = Buffer.alloc(4);
    bytes.writeUInt16BE(server.unit(1).holding[10]!, 0);
    bytes.writeUInt16BE(server.unit(1).holding[11]!, 2);
    expect(bytes.readFloatBE(0)).toBe(12.5);
    expect(running.counters('gas-1').writes).toBe(2);
  });

  it('names device and register when the read-back differs, and refuses points not declared writable', async () => {
    server.ignoredWrites.add(exceptionKey(1, 'coil', 3));
    const running = startPoller([device('gas-1', 1)]);
    await waitFor('connection', () => running.line('plant')!.isOpen);
    await expect(running.write('gas-1', 'relay', true)).rejects.toMatchObject({
      code: 'HAZMON_MODBUS_READBACK_MISMATCH',
      message: 'device gas-1 (unit 1) FC05 relay @00004: wrote [true], read back [false]',
    });
    await expect(running.write('gas-1', 'concentration', 1)).rejects.toMatchObject({ code: 'HAZMON_MODBUS_NOT_WRITABLE' });
    server.exceptions.set(exceptionKey(1, 'holding', 10), 3);
    await expect(running.write('gas-1', 'setpoint', 1)).rejects.toMatchObject({ code: 'HAZMON_MODBUS_WRITE_FAILED' });
    expect(running.counters('gas-1').writeFailures).toBe(2);
  });
});

/** Points at 40001-40002 and 40006-40007, merged across the gap 40003-40005 (and 40009 when `orphan` is polled). */
const GAPPY = parseProfile(
  `
model: gappy-transmitter
defaults: { table: holding }
points:
  - { id: level, address: 0, type: uint32, intervalMs: 100 }
  - { id: pressure, address: 5, type: uint32, intervalMs: 100 }
  - { id: orphan, address: 8, type: uint16, intervalMs: 100, poll: false }
`,
  'gappy-transmitter.yaml',
);

function writeUint32(unitId: number, address: number, value: number): void {
  server.unit(unitId).holding[address] = value >>> 16;
  server.unit(unitId).holding[address + 1] = value & 0xffff;
}

function refuse(unitId: number, ...addresses: number[]): void {
  for (const address of addresses) server.exceptions.set(exceptionKey(unitId, 'holding', address), 2);
}

describe('ModbusPoller on a device that refuses reads across undefined registers', () => {
  it('splits the refused merged read gap-free, reports good values from the first cycle and keeps two reads per cycle', async () => {
    refuse(1, 2, 3, 4);
    writeUint32(1, 0, 123_456);
    writeUint32(1, 5, 654_321);
    const running = startPoller([createModbusDevice(GAPPY, { id: 'tank-1', profile: 'gappy-transmitter', line: 'plant', unitId: 1 })]);
    await waitFor('several cycles', () => of('tank-1.pressure').length >= 5);
    // The integrator sees nothing of the refusal: every reading, the first cycle's included, is good with its value.
    expect(of('tank-1.level').every((reading) => reading.quality === 'good' && reading.value === 123_456)).toBe(true);
    expect(of('tank-1.pressure').every((reading) => reading.quality === 'good' && reading.value === 654_321)).toBe(true);
    const counters = running.counters('tank-1');
    expect(counters.splits).toBe(1);
    expect(counters.exceptions).toBe(1);
    // One merged read (refused), then only the two gap-free reads, one pair per cycle.
    const [merged, ...later] = server.reads.filter((read) => read.unitId === 1);
    expect(merged).toMatchObject({ address: 0, quantity: 7 });
    const levelReads = later.filter((read) => read.address === 0 && read.quantity === 2).length;
    const pressureReads = later.filter((read) => read.address === 5 && read.quantity === 2).length;
    expect(levelReads + pressureReads).toBe(later.length);
    expect(Math.abs(levelReads - pressureReads)).toBeLessThanOrEqual(1);
    expect(levelReads).toBeGreaterThanOrEqual(5);
  });

  it('still reports a point at a really undefined address bad, naming its register, while its neighbours read good', async () => {
    refuse(1, 2, 3, 4, 7, 8);
    writeUint32(1, 5, 77);
    const gappy = createModbusDevice(GAPPY, { id: 'tank-2', profile: 'gappy-transmitter', line: 'plant', unitId: 1, points: { orphan: { poll: true } } });
    const running = startPoller([gappy]);
    await waitFor('several cycles', () => of('tank-2.orphan').length >= 3);
    expect(of('tank-2.orphan').every((reading) => reading.quality === 'bad' && reading.value === null)).toBe(true);
    expect(of('tank-2.orphan')[0]!.reason).toEqual({
      code: 'exception',
      message: `device tank-2 (unit 1) FC03 ${registerLabel('holding', 8)} x1: exception 2: illegal data address`,
    });
    expect(of('tank-2.pressure').every((reading) => reading.quality === 'good' && reading.value === 77)).toBe(true);
    const counters = running.counters('tank-2');
    expect(counters.splits).toBe(1);
    // The merged read once, then the orphan's own read every cycle.
    expect(counters.exceptions).toBe(of('tank-2.orphan').length + 1);
  });
});

const PLAIN = parseProfile(
  `
model: plain-transmitter
defaults: { table: holding }
points:
  - { id: flow, address: 0, type: float32, unit: m3/h, intervalMs: 100 }
  - { id: level, address: 2, type: int16, unit: cm, scale: 0.5, offset: 10, intervalMs: 100 }
`,
  'plain-transmitter.yaml',
);

describe('ModbusPoller on a device of plain numbers only (no status word, unit code or NE43 loop)', () => {
  it('hands good numbers as plain rows, scaled, and a register that decodes to no finite number as a bad decode reading', async () => {
    const ids = ['pipe-1.flow', 'pipe-1.level'];
    const rows: { point: number; plain: boolean; reading: Reading }[] = [];
    const line: LineConfig = { id: 'plant', kind: 'tcp', host: '127.0.0.1', port: server.port, timing: FAST };
    server.unit(1).holding[0] = 0x4228; // 42.0 as float32, high word first
    server.unit(1).holding[2] = 7;
    poller = new ModbusPoller({
      lines: [line],
      devices: [createModbusDevice(PLAIN, { id: 'pipe-1', profile: 'plain-transmitter', line: 'plant', unitId: 1 })],
      pointIndex: (readingId) => ids.indexOf(readingId),
      onRows: (batch) => {
        for (let row = 0; row < batch.length; row++) rows.push({ point: batch.point[row]!, plain: batch.objectAt(row) === undefined, reading: batch.readingAt(row) });
      },
    });
    poller.start();
    await waitFor('a row of each point', () => rows.some((row) => row.point === 0) && rows.some((row) => row.point === 1));
    expect(rows.find((row) => row.point === 0)).toMatchObject({ plain: true, reading: { pointId: 'pipe-1.flow', value: 42, unit: 'm3/h', quality: 'good', sourceTime: null } });
    expect(rows.find((row) => row.point === 1)).toMatchObject({ plain: true, reading: { pointId: 'pipe-1.level', value: 13.5, unit: 'cm', quality: 'good' } });
    server.unit(1).holding[0] = 0x7fc0; // NaN
    await waitFor('a bad flow', () => rows.some((row) => row.point === 0 && row.reading.quality === 'bad'));
    const bad = rows.find((row) => row.point === 0 && row.reading.quality === 'bad')!;
    expect(bad).toMatchObject({ plain: false, reading: { value: null, reason: { code: 'decode', message: `device pipe-1 (unit 1) flow ${registerLabel('holding', 0)}: not a finite number (NaN)` } } });
    // Its neighbour in the same answer stays a plain good number.
    expect(rows.filter((row) => row.point === 1).every((row) => row.plain && row.reading.value === 13.5)).toBe(true);
  });
});

describe('ModbusPoller rows handed to a consumer that makes it settle requests inside its callback', () => {
  it('keeps the batch being read intact while the requests settled inside the callback get rows of their own', async () => {
    const ids = ['pipe-1.flow', 'pipe-1.level', 'pipe-2.flow', 'pipe-2.level', 'pipe-3.flow', 'pipe-3.level'];
    const line: LineConfig = { id: 'plant', kind: 'tcp', host: '127.0.0.1', port: server.port, timing: FAST };
    for (const unitId of [1, 2, 3]) {
      server.unit(unitId).holding[0] = 0x4228; // 42.0 as float32
      server.unit(unitId).holding[2] = 7; // level 13.5
    }
    const devices = [1, 2, 3].map((unitId) => createModbusDevice(PLAIN, { id: `pipe-${unitId}`, profile: 'plain-transmitter', line: 'plant', unitId }));
    let outer: { before: Reading[]; after: Reading[] } | undefined;
    const inner: Reading[] = [];
    let stopping = false;
    const running = new ModbusPoller({
      lines: [line],
      devices,
      pointIndex: (readingId) => ids.indexOf(readingId),
      onRows: (batch) => {
        if (stopping) {
          inner.push(...batch.readings());
          return;
        }
        stopping = true;
        const before = batch.readings();
        // Stopping the line settles the requests still out or queued at once, each as bad rows, inside this callback.
        void running.stop();
        outer = { before, after: batch.readings() };
      },
    });
    poller = running;
    running.start();
    await waitFor('the first answer and the stop inside it', () => outer !== undefined);
    expect(outer!.before).toHaveLength(2);
    expect(outer!.before.every((reading) => reading.quality === 'good')).toBe(true);
    expect(outer!.after).toEqual(outer!.before);
    expect(inner.length).toBeGreaterThanOrEqual(2);
    expect(inner.every((reading) => reading.quality === 'bad' && reading.reason?.code === 'connection')).toBe(true);
  });
});
