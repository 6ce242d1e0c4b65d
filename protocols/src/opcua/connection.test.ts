/** OPC UA client against the real tank farm server on 127.0.0.1: subscriptions, quality mapping, security, restart, browse, writes. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@hazmon/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLinkRelay } from '../../../simulators/src/net/link-relay.ts';
import { startTankFarm, tankNodeId, type RunningTankFarm, type TankVariableName } from '../../../simulators/src/opcua/index.ts';
import type { Reading } from '../reading.ts';
import { browseOpcuaVariables } from './browse.ts';
import { parseOpcuaConnection, type OpcuaConnectionInput } from './config.ts';
import { type OpcuaConnection, createOpcuaConnection } from './connection.ts';
import { OpcuaError } from './errors.ts';

const OPERATOR = { userName: 'operator', password: 'tank-farm-secret' };
let pkiRoot = '';
/** One server for the tests that do not stop it (starting node-opcua costs seconds); each test sets the tank state it needs. */
let sharedFarm: RunningTankFarm;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // one folder per test file: the server and client certificates are created once and reused by every test
  pkiRoot = await mkdtemp(join(tmpdir(), 'hazmon-opcua-test-'));
  sharedFarm = await startFarm(0);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await sharedFarm?.stop();
  await rm(pkiRoot, { recursive: true, force: true });
});

function startFarm(port: number, levelMm = 1000): Promise<RunningTankFarm> {
  return startTankFarm({
    port,
    tanks: [
      { id: 'T101', heightMm: 12_000, levelMm, pressureKPa: 101.3, temperatureC: 18.5, inletFlowMmPerS: 5, outletFlowMmPerS: 4 },
      { id: 'T102', heightMm: 8000, levelMm: 500, pressureKPa: 99, temperatureC: 21 },
    ],
    users: [OPERATOR],
    allowAnonymous: true,
    speed: 0,
    pkiDir: join(pkiRoot, 'server'),
  });
}

/** A farm of a test's own, stopped after the test unless the test stopped it. */
async function farmOnPort(port: number, levelMm = 1000): Promise<RunningTankFarm> {
  const farm = await startFarm(port, levelMm);
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await farm.stop();
  });
  const stop = farm.stop.bind(farm);
  return {
    ...farm,
    stop: async () => {
      stopped = true;
      await stop();
    },
  };
}

function resetTanks(farm: RunningTankFarm): void {
  for (const id of ['T101', 'T102']) {
    const tank = farm.tank(id);
    for (const quantity of ['inletOpen', 'outletRunning', 'sensorFault']) tank.set(quantity, 0);
  }
  farm.tank('T101').set('level', 1000);
  farm.tank('T102').set('level', 500);
}

function point(id: string, tank: string, variable: TankVariableName, extra: Record<string, unknown> = {}) {
  return { id, nodeId: tankNodeId(tank, variable), samplingIntervalMs: 50, ...extra };
}

interface Collected {
  connection: OpcuaConnection;
  readings: Reading[];
  batches: number[];
  /** Every onError call, with the gateway time it came. */
  errors: { error: OpcuaError; at: number }[];
}

/** The tank farm's connection as these tests make it (a trusted server, fast publishing). */
function farmConnection(farm: RunningTankFarm) {
  return { id: 'tank-farm', endpointUrl: farm.endpointUrl, pkiDir: join(pkiRoot, 'client'), trustUnknownServerCertificate: true, publishingIntervalMs: 100 };
}

function connect(farm: RunningTankFarm, overrides: Partial<OpcuaConnectionInput> = {}): Collected {
  const readings: Reading[] = [];
  const batches: number[] = [];
  const errors: { error: OpcuaError; at: number }[] = [];
  const connection = createOpcuaConnection(
    {
      ...farmConnection(farm),
      reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
      points: [point('t101.level', 'T101', 'Level'), point('t101.temperature', 'T101', 'Temperature'), point('t101.inlet', 'T101', 'InletValve')],
      ...overrides,
    },
    {
      onReadings: (batch) => {
        batches.push(batch.length);
        readings.push(...batch);
      },
      onError: (error) => errors.push({ error, at: Date.now() }),
    },
  );
  cleanups.push(() => connection.stop());
  return { connection, readings, batches, errors };
}

function lastOf(readings: Reading[], pointId: string, accept: (reading: Reading) => boolean): Reading | undefined {
  return readings.findLast((reading) => reading.pointId === pointId && accept(reading));
}

describe('OpcuaConnection subscriptions', () => {
  it('delivers changing values with units from EngineeringUnits, source timestamps and quality, batched per notification', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const { connection, readings, batches } = connect(farm);
    expect(await connection.start()).toEqual({ ok: true });

    const first = await waitFor('the first level', () => lastOf(readings, 't101.level', (r) => r.value === 1000));
    expect(first).toMatchObject({ quality: 'good', unit: 'mm' });
    expect(first.reason).toBeUndefined();
    expect(first.sourceTime).not.toBeNull();
    expect(first.sourceTime!).toBeLessThanOrEqual(first.receiveTime);
    expect(await waitFor('temperature', () => lastOf(readings, 't101.temperature', () => true))).toMatchObject({ value: 18.5, unit: 'degC', quality: 'good' });
    expect(await waitFor('inlet', () => lastOf(readings, 't101.inlet', () => true))).toMatchObject({ value: false, quality: 'good' });
    // the initial values of all three points came in one notification message
    expect(Math.max(...batches)).toBeGreaterThanOrEqual(3);

    farm.tank('T101').set('inletOpen', 1);
    farm.advance(10_000);
    const risen = await waitFor('the risen level', () => lastOf(readings, 't101.level', (r) => r.value === 1050));
    expect(risen.quality).toBe('good');
    expect(risen.sourceTime!).toBeGreaterThanOrEqual(first.sourceTime!);
  });

  it('applies absolute and percent deadbands at the server', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const { connection, readings } = connect(farm, {
      points: [
        point('every', 'T101', 'Level'),
        point('absolute', 'T101', 'Level', { deadband: { type: 'absolute', value: 100 } }),
        // 1 % of the EURange 0..12000 mm
        point('percent', 'T101', 'Level', { deadband: { type: 'percent', value: 1 } }),
      ],
    });
    await connection.start();
    for (const id of ['every', 'absolute', 'percent']) await waitFor(`${id} initial`, () => lastOf(readings, id, (r) => r.value === 1000));

    farm.tank('T101').set('level', 1050);
    await waitFor('the small step without deadband', () => lastOf(readings, 'every', (r) => r.value === 1050));
    farm.tank('T101').set('level', 1200);
    for (const id of ['every', 'absolute', 'percent']) await waitFor(`${id} large step`, () => lastOf(readings, id, (r) => r.value === 1200));

    // restatements repeat a value; the changes are what the deadband filters
    const values = (id: string) =>
      readings
        .filter((r) => r.pointId === id)
        .map((r) => r.value)
        .filter((value, index, all) => index === 0 || value !== all[index - 1]);
    expect(values('absolute')).toEqual([1000, 1200]);
    expect(values('percent')).toEqual([1000, 1200]);
    expect(values('every')).toContain(1050);
  });

  it('maps a Bad status to bad quality with the status name, endpoint and node in the reason', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const { connection, readings } = connect(farm, { points: [{ id: 'level', nodeId: tankNodeId('T101', 'Level'), unit: 'mm-override', samplingIntervalMs: 50 }] });
    await connection.start();
    await waitFor('a good level', () => lastOf(readings, 'level', (r) => r.quality === 'good'));

    farm.tank('T101').set('sensorFault', 1);
    const bad = await waitFor('a bad level', () => lastOf(readings, 'level', (r) => r.quality === 'bad'));
    expect(bad.unit).toBe('mm-override');
    expect(bad.reason?.code).toBe('opcua_status');
    expect(bad.reason?.message).toContain('BadSensorFailure');
    expect(bad.reason?.message).toContain(farm.endpointUrl);
    expect(bad.reason?.message).toContain('ns=1;s=TankFarm.T101.Level');

    farm.tank('T101').set('sensorFault', 0);
    const readingsBefore = readings.length;
    await waitFor('good again', () => (readings.slice(readingsBefore).some((r) => r.quality === 'good') ? true : undefined));
  });

  it('restates a value that does not change, once per keep-alive period, while the subscription is alive', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    // publishing every 100 ms, keep-alive count 10: the subscription proves itself alive at least once a second
    const { connection, readings } = connect(farm);
    await connection.start();
    const first = await waitFor('the first temperature', () => lastOf(readings, 't101.temperature', () => true));
    const restated = await waitFor(
      'three restatements of the steady temperature',
      () => {
        const again = readings.filter((r) => r.pointId === 't101.temperature' && r.receiveTime > first.receiveTime);
        return again.length >= 3 ? again : undefined;
      },
      { timeoutMs: 10_000 },
    );
    for (const reading of restated) expect(reading).toMatchObject({ value: 18.5, quality: 'good', unit: 'degC', sourceTime: first.sourceTime, restated: true });
    const gaps = restated.map((reading, index) => reading.receiveTime - (index === 0 ? first.receiveTime : restated[index - 1]!.receiveTime));
    for (const gap of gaps) expect(gap).toBeLessThan(2500);
  });

  it('hands each notification over as rows: a good number as columns equal field by field to the Reading the old path made, a boolean and a bad status as their Reading', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const ids = ['t101.level', 't101.temperature', 't101.inlet'];
    const rows: { plain: boolean; point: number; value: number; sourceTime: number; restated: number; reading: Reading }[] = [];
    const connection = createOpcuaConnection(
      {
        ...farmConnection(farm),
        points: ids.map((id, index) => point(id, 'T101', (['Level', 'Temperature', 'InletValve'] as const)[index]!)),
      },
      {
        onRows: (batch) => {
          for (let row = 0; row < batch.length; row++) {
            const [plain, reading] = [batch.objectAt(row) === undefined, batch.readingAt(row)];
            rows.push({ plain, point: batch.point[row]!, value: batch.value[row]!, sourceTime: batch.sourceTime[row]!, restated: batch.restated[row]!, reading });
          }
        },
        pointIndex: (id) => 10 + ids.indexOf(id),
      },
    );
    cleanups.push(() => connection.stop());
    await connection.start();
    const last = (id: string, accept: (reading: Reading) => boolean) => rows.findLast((row) => row.reading.pointId === id && accept(row.reading));

    // A session's first value is restated (it counts as of now), the server's source time beside the gateway's.
    const first = await waitFor('the first level', () => last('t101.level', () => true));
    const firstTimes = { sourceTime: first.reading.sourceTime!, receiveTime: first.reading.receiveTime };
    expect(first).toStrictEqual({
      plain: true,
      point: 10,
      value: 1000,
      sourceTime: firstTimes.sourceTime,
      restated: 1,
      reading: { pointId: 't101.level', value: 1000, unit: 'mm', ...firstTimes, quality: 'good', restated: true },
    });
    expect(firstTimes.sourceTime).toBeGreaterThan(0);
    expect(firstTimes.sourceTime).toBeLessThanOrEqual(firstTimes.receiveTime);
    const inlet = await waitFor('the inlet', () => last('t101.inlet', () => true));
    expect(inlet).toStrictEqual({
      plain: false,
      point: 12,
      value: Number.NaN,
      sourceTime: Number.NaN,
      restated: 0,
      reading: { pointId: 't101.inlet', value: false, unit: '', sourceTime: inlet.reading.sourceTime, receiveTime: inlet.reading.receiveTime, quality: 'good', restated: true },
    });
    expect(inlet.reading.sourceTime).toBeGreaterThan(0);

    // A change: not restated.
    farm.tank('T101').set('level', 1050);
    const changed = await waitFor('the changed level', () => last('t101.level', (reading) => reading.value === 1050));
    const changedTimes = { sourceTime: changed.reading.sourceTime!, receiveTime: changed.reading.receiveTime };
    expect(changed).toStrictEqual({
      plain: true,
      point: 10,
      value: 1050,
      sourceTime: changedTimes.sourceTime,
      restated: 0,
      reading: { pointId: 't101.level', value: 1050, unit: 'mm', ...changedTimes, quality: 'good' },
    });
    expect(changedTimes.sourceTime).toBeGreaterThanOrEqual(firstTimes.sourceTime);

    // A steady value restated once a keep-alive period: the value and source time it was stated with, as of now.
    const temperature = await waitFor('the first temperature', () => last('t101.temperature', () => true));
    const restated = await waitFor('a restated temperature', () => last('t101.temperature', (reading) => reading.receiveTime > temperature.reading.receiveTime), { timeoutMs: 10_000 });
    expect(restated).toStrictEqual({
      plain: true,
      point: 11,
      value: 18.5,
      sourceTime: temperature.sourceTime,
      restated: 1,
      reading: { pointId: 't101.temperature', value: 18.5, unit: 'degC', sourceTime: temperature.reading.sourceTime, receiveTime: restated.reading.receiveTime, quality: 'good', restated: true },
    });

    // A bad status: the Reading with its reason, the value the server sent with it.
    farm.tank('T101').set('sensorFault', 1);
    const bad = await waitFor('the bad level', () => last('t101.level', (reading) => reading.quality === 'bad'));
    expect(bad).toStrictEqual({
      plain: false,
      point: 10,
      value: Number.NaN,
      sourceTime: Number.NaN,
      restated: 0,
      reading: {
        pointId: 't101.level',
        value: 1050,
        unit: 'mm',
        sourceTime: bad.reading.sourceTime,
        receiveTime: bad.reading.receiveTime,
        quality: 'bad',
        reason: { code: 'opcua_status', message: `${farm.endpointUrl} node ns=1;s=TankFarm.T101.Level status BadSensorFailure (0x808C0000)` },
      },
    });
    expect(bad.reading.sourceTime).toBeGreaterThanOrEqual(changedTimes.sourceTime);
  });

  it('reports a point whose node does not exist as bad instead of leaving it silent', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const { connection, readings } = connect(farm, { points: [point('level', 'T101', 'Level'), { id: 'ghost', nodeId: 'ns=1;s=TankFarm.T999.Level' }] });
    await connection.start();
    const ghost = await waitFor('the ghost point', () => lastOf(readings, 'ghost', () => true));
    expect(ghost.quality).toBe('bad');
    expect(ghost.reason?.message).toContain('BadNodeIdUnknown');
    expect(ghost.reason?.message).toContain('ns=1;s=TankFarm.T999.Level');
    await waitFor('the real point', () => lastOf(readings, 'level', (r) => r.quality === 'good'));
  });
});

describe('OpcuaConnection security', () => {
  for (const securityMode of ['Sign', 'SignAndEncrypt'] as const) {
    it(`connects with ${securityMode} (Basic256Sha256) and a user name/password and receives values`, async () => {
      const farm = sharedFarm;
      resetTanks(farm);
      const { connection, readings } = connect(farm, { securityMode, user: OPERATOR });
      expect(await connection.start()).toEqual({ ok: true });
      expect(connection.state).toBe('connected');
      await waitFor('a level', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 1000));
    });
  }

  it('refuses a server certificate it does not trust yet when first-contact trust is off', async () => {
    const farm = sharedFarm;
    const strict = { securityMode: 'Sign' as const, user: OPERATOR, pkiDir: join(pkiRoot, 'client-strict'), trustUnknownServerCertificate: false };
    const { connection, readings } = connect(farm, strict);
    const result = await connection.start();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('HAZMON_OPCUA_CERTIFICATE_REJECTED');
    expect(result.error.message).toContain(farm.endpointUrl);
    expect(result.error.message).toContain('BadCertificateUntrusted');
    // what to do: which certificate (filed under rejected/ by the client) to move into which folder
    expect(result.error.message).toMatch(new RegExp(`move ${join(strict.pkiDir, 'rejected')}/.+\\.pem into ${join(strict.pkiDir, 'trusted', 'certs')}`));
    expect(readings.some((r) => r.quality === 'bad' && r.reason?.code === 'connection')).toBe(true);
  });

  it('refuses a wrong password with a clear error and reports the points bad', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const errors: OpcuaError[] = [];
    const { connection, readings } = connect(farm, { securityMode: 'SignAndEncrypt', user: { userName: 'operator', password: 'wrong' } });
    const result = await connection.start();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    errors.push(result.error);
    expect(result.error).toBeInstanceOf(OpcuaError);
    expect(result.error.code).toBe('HAZMON_OPCUA_AUTH_REJECTED');
    expect(result.error.message).toContain(farm.endpointUrl);
    expect(result.error.message).toContain('"operator"');
    expect(
      readings
        .filter((r) => r.quality === 'bad' && r.reason?.code === 'connection')
        .map((r) => r.pointId)
        .sort(),
    ).toEqual(['t101.inlet', 't101.level', 't101.temperature']);
    expect(connection.state).toBe('reconnecting');
  });
});

describe('OpcuaConnection reconnection', () => {
  it('reports every point bad when the server goes silent without closing the connection, and delivers again after', async () => {
    const farm = await farmOnPort(0);
    const relay = await startLinkRelay(farm.port);
    cleanups.push(() => relay.close());
    // Publishing every 100 ms, keep-alives every 10 publishing intervals, requests time out after 2 s: whichever
    // notices first (node-opcua's request timeout, or the connection's silence watchdog at 1 s + 2 s), the points
    // must go bad with a reason rather than keep their last good value.
    const { connection, readings } = connect({ ...farm, endpointUrl: `opc.tcp://127.0.0.1:${relay.port}` }, { keepAliveMissesAllowed: 1, requestTimeoutMs: 2000 });
    await connection.start();
    await waitFor('the first level', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 1000));

    const beforeSilence = readings.length;
    relay.silence(true);
    const lost = await waitFor(
      'the points bad for silence',
      () => {
        const after = readings.slice(beforeSilence);
        const bad = after.filter((r) => r.quality === 'bad' && r.reason?.code === 'connection');
        return new Set(bad.map((r) => r.pointId)).size === 3 ? bad : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(lost[0]!.reason?.message).toMatch(new RegExp(`connection to opc\\.tcp://127\\.0\\.0\\.1:${relay.port} lost: .+; reconnecting`));
    expect(connection.state).toBe('reconnecting');

    relay.silence(false);
    farm.tank('T101').set('level', 1234);
    await waitFor('values again once the server answers', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 1234), { timeoutMs: 60_000 });
    expect(connection.state).toBe('connected');
  }, 120_000);

  it('restates the unchanged values it gets again after the link drops with the server still running', async () => {
    const farm = await farmOnPort(0);
    const relay = await startLinkRelay(farm.port);
    cleanups.push(() => relay.close());
    const { connection, readings } = connect({ ...farm, endpointUrl: `opc.tcp://127.0.0.1:${relay.port}` });
    await connection.start();
    const before = await waitFor('the first level', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 1000));

    const beforeDrop = readings.length;
    relay.drop();
    const lost = await waitFor('the level bad for the dropped link', () => readings.slice(beforeDrop).find((r) => r.pointId === 't101.level' && r.reason?.code === 'connection'));
    const again = await waitFor('the level again', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.receiveTime > lost.receiveTime), { timeoutMs: 30_000 });
    // the server kept its value and its source timestamp: what the gateway knows now is that it still holds
    expect(again).toMatchObject({ value: 1000, sourceTime: before.sourceTime, restated: true });
  }, 60_000);

  it('goes bad on server loss and delivers again from a new server on the same port', async () => {
    const first = await farmOnPort(0);
    const { connection, readings } = connect(first);
    await connection.start();
    await waitFor('the first level', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 1000));

    const port = first.port;
    const beforeStop = readings.length;
    await first.stop();
    await waitFor('all points bad', () => {
      const after = readings.slice(beforeStop);
      const bad = new Set(after.filter((r) => r.quality === 'bad' && r.reason?.code === 'connection').map((r) => r.pointId));
      return bad.size === 3 ? true : undefined;
    });
    expect(connection.state).toBe('reconnecting');

    const second = await farmOnPort(port, 4321);
    const again = await waitFor('values from the new server', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 4321), { timeoutMs: 60_000 });
    expect(again.unit).toBe('mm');
    expect(connection.state).toBe('connected');
    // and it keeps flowing: a change on the new server arrives too
    second.tank('T101').set('level', 4400);
    await waitFor('a change on the new server', () => lastOf(readings, 't101.level', (r) => r.value === 4400));
  }, 90_000);
  it('counts a loss once and, with the default back-off, delivers within about a second of the server coming back', async () => {
    const first = await farmOnPort(0);
    const { connection, readings, errors } = connect(first, { reconnect: undefined });
    await connection.start();
    await waitFor('the first level', () => lastOf(readings, 't101.level', (r) => r.quality === 'good'));

    const port = first.port;
    const stoppedAt = Date.now();
    await first.stop();
    // long enough for a back-off that doubles without a cap to reach several seconds
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const losses = errors.filter(({ error }) => / lost: /.test(error.message));
    expect(losses.map(({ error }) => error.message)).toHaveLength(1);
    const attempts = errors.filter(({ at }) => at >= stoppedAt).map(({ at }) => at);
    const waits = attempts.slice(1).map((at, index) => at - attempts[index]!);
    // still backing off while the server stays down: the first wait is the shortest
    expect(waits[0]!).toBeLessThan(Math.max(...waits));

    const second = await farmOnPort(port, 4321);
    const backAt = Date.now();
    const again = await waitFor('values from the restarted server', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 4321), { timeoutMs: 30_000 });
    expect(again.receiveTime - backAt).toBeLessThan(2000);
    await second.stop();
  }, 90_000);

  it('reports points bad while the server is not there yet and connects once it appears', async () => {
    const probe = await farmOnPort(0);
    const port = probe.port;
    await probe.stop();
    const { connection, readings } = connect({ ...probe, endpointUrl: `opc.tcp://127.0.0.1:${port}` });
    const result = await connection.start();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('HAZMON_OPCUA_CONNECT_FAILED');
    expect(readings.filter((r) => r.reason?.code === 'connection').length).toBeGreaterThanOrEqual(3);

    await farmOnPort(port, 2222);
    await waitFor('values once the server is up', () => lastOf(readings, 't101.level', (r) => r.quality === 'good' && r.value === 2222), { timeoutMs: 60_000 });
  }, 90_000);
});

describe('browse and write', () => {
  it('browse lists the tank variables with EngineeringUnits and EURange', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const variables = await browseOpcuaVariables({ endpointUrl: farm.endpointUrl, pkiDir: join(pkiRoot, 'client') }, { startNodeId: 'ns=1;s=TankFarm' });
    const byPath = new Map(variables.map((variable) => [variable.browsePath, variable]));
    expect(byPath.get('T101/Level')).toEqual({
      nodeId: 'ns=1;s=TankFarm.T101.Level',
      browsePath: 'T101/Level',
      dataType: 'Double',
      writable: false,
      engineeringUnits: { unit: 'mm', uneceCode: 'MMT', displayName: 'mm' },
      euRange: { low: 0, high: 12_000 },
    });
    expect(byPath.get('T102/Level')?.euRange).toEqual({ low: 0, high: 8000 });
    expect(byPath.get('T102/Pressure')?.engineeringUnits?.unit).toBe('kPa');
    expect(byPath.get('T102/Temperature')?.engineeringUnits?.uneceCode).toBe('CEL');
    expect(byPath.get('T101/InletValve')).toMatchObject({ dataType: 'Boolean', writable: true });
    expect(byPath.get('T101/InletValve')?.engineeringUnits).toBeUndefined();
    // Level, pressure, temperature, the inlet valve with its two limit switches, the outlet pump.
    expect(byPath.get('T101/InletClosed')).toMatchObject({ dataType: 'Boolean', writable: false });
    expect(variables.filter((variable) => variable.browsePath.startsWith('T101/')).length).toBe(7);
  });

  it('writes to InletValve return Good and change the physics; writing a read-only node returns its status', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const { connection } = connect(farm);
    await connection.start();
    const tank = farm.tank('T101');

    const opened = await connection.write('t101.inlet', true);
    expect(opened).toMatchObject({ good: true, statusName: 'Good', nodeId: 'ns=1;s=TankFarm.T101.InletValve' });
    expect(opened.error).toBeUndefined();
    expect(tank.get('inletOpen')).toBe(1);
    farm.advance(2000);
    expect(tank.get('level')).toBe(1010);

    const pump = await connection.write(tankNodeId('T101', 'OutletPump'), true);
    expect(pump.good).toBe(true);
    farm.advance(1000);
    expect(tank.get('level')).toBe(1011);

    const readOnly = await connection.write(tankNodeId('T101', 'Level'), 5);
    expect(readOnly.good).toBe(false);
    expect(readOnly.statusName).toMatch(/^Bad/);
    expect(readOnly.error?.code).toBe('HAZMON_OPCUA_WRITE_REJECTED');
    expect(readOnly.error?.message).toContain('ns=1;s=TankFarm.T101.Level');
    expect(readOnly.error?.message).toContain(farm.endpointUrl);
    expect(tank.get('level')).toBe(1011);

    const wrongType = await connection.write('t101.inlet', 1);
    expect(wrongType).toMatchObject({ good: false, statusName: 'BadTypeMismatch' });
  });

  it('reports a write while disconnected as BadNotConnected', async () => {
    const farm = sharedFarm;
    resetTanks(farm);
    const { connection } = connect(farm);
    const result = await connection.write('t101.inlet', true);
    expect(result).toMatchObject({ good: false, statusName: 'BadNotConnected' });
    expect(result.error?.message).toContain('ns=1;s=TankFarm.T101.InletValve');
  });
});

describe('parseOpcuaConnection', () => {
  const valid = { id: 'farm', endpointUrl: 'opc.tcp://127.0.0.1:4840', points: [{ id: 'level', nodeId: 'ns=1;s=TankFarm.T101.Level' }] };

  it('fills defaults', () => {
    const config = parseOpcuaConnection(valid);
    expect(config.securityMode).toBe('None');
    expect(config.points[0]).toMatchObject({ samplingIntervalMs: 1000, queueSize: 10 });
  });

  it('names the field and quotes the value of a bad NodeId', () => {
    const bad = { ...valid, points: [{ id: 'level', nodeId: 'TankFarm T101' }] };
    expect(() => parseOpcuaConnection(bad, 'site.yaml opcua[0]')).toThrow(/site\.yaml opcua\[0\] points\.0\.nodeId: .*"TankFarm T101"/);
  });

  it('refuses duplicate point ids and a percent deadband above 100', () => {
    expect(() => parseOpcuaConnection({ ...valid, points: [valid.points[0], valid.points[0]] })).toThrow(/points\.1\.id: point id appears twice \(got "level"\)/);
    const deadband = { ...valid, points: [{ ...valid.points[0], deadband: { type: 'percent', value: 150 } }] };
    expect(() => parseOpcuaConnection(deadband)).toThrow(/points\.0\.deadband\.value.*150/);
  });
});
