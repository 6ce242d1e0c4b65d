/** Shared fixtures for the cross-package tests: simulated sites, pollers on them, readings collected per point, waiting. */
import { afterAll } from 'vitest';
import {
  ModbusPoller,
  createModbusDevice,
  loadProfile,
  parseProfile,
  type LineConfig,
  type LineTiming,
  type ModbusDeviceConfig,
  type ModbusProfile,
  type Reading,
  type ReadyDevice,
} from '@hazmon/protocols';
import { startSite, type RegisterBankOptions, type RunningSite, type SiteSpec } from '@hazmon/simulators';
import { waitFor } from '@hazmon/test-support';

/** Every reading a poller emitted, in order, with the latest per point id. */
export class ReadingLog {
  readonly all: Reading[] = [];
  private readonly latestById = new Map<string, Reading>();

  readonly onReadings = (batch: Reading[]): void => {
    for (const reading of batch) {
      this.all.push(reading);
      this.latestById.set(reading.pointId, reading);
    }
  };

  latest(pointId: string): Reading | undefined {
    return this.latestById.get(pointId);
  }

  /** A position in the log: readings after it are the ones received later. */
  mark(): number {
    return this.all.length;
  }

  of(pointId: string, since = 0): Reading[] {
    return this.all.slice(since).filter((reading) => reading.pointId === pointId);
  }

  /** Waits for a reading of pointId received after `since` that satisfies the predicate (the last such one). */
  next(pointId: string, predicate: (reading: Reading) => boolean, since = this.mark(), timeoutMs = 20_000): Promise<Reading> {
    return waitFor(`a reading of ${pointId} that matches, after #${since}`, () => this.of(pointId, since).findLast(predicate), {
      timeoutMs,
      state: () => `latest: ${JSON.stringify(this.latest(pointId))}`,
    });
  }

  /**
   * The point's value as of now: the second reading after this call, because the first may answer a request sent
   * before the caller changed the simulator, while the device sends the next one only after that answer.
   */
  current(pointId: string, timeoutMs = 20_000): Promise<Reading> {
    const since = this.mark();
    return waitFor(`two readings of ${pointId} after #${since}`, () => this.of(pointId, since)[1], { timeoutMs });
  }

  /** Waits until every point id has a reading after `since`; returns the latest of each. */
  async fresh(pointIds: readonly string[], since = this.mark(), timeoutMs = 20_000): Promise<Map<string, Reading>> {
    const out = new Map<string, Reading>();
    for (const id of pointIds) out.set(id, await this.next(id, () => true, since, timeoutMs));
    return out;
  }
}

/** Stops everything registered here after the file's tests, latest first, even if a test failed. */
export function trackResources(): <T extends { stop(): Promise<void> }>(resource: T) => T {
  const resources: { stop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const resource of resources.splice(0).reverse()) await resource.stop().catch(() => undefined);
  }, 30_000);
  return (resource) => {
    resources.push(resource);
    return resource;
  };
}

/** A site started on manual simulated time (speed 0) unless the spec says otherwise. */
export function startTestSite(site: string | SiteSpec, speed = 0): Promise<RunningSite> {
  return startSite(site, { speed });
}

/** A site with one register bank, device id `bank`, unit 1, on one Modbus TCP port (manual simulated time). */
export function startBankSite(name: string, options: RegisterBankOptions): Promise<RunningSite> {
  return startTestSite({ name, tcp: [{ name: 'bank', port: 0, devices: [{ id: 'bank', unitId: 1, model: 'register-bank', options }] }] });
}

/** The TCP line a client opens to reach a site's Modbus TCP device. */
export function tcpLineFor(site: RunningSite, deviceId: string, lineId: string, timing?: Partial<LineTiming>): LineConfig {
  const endpoint = site.endpoints.find((candidate) => candidate.deviceId === deviceId);
  if (endpoint?.port === undefined) throw new Error(`device ${deviceId} is not on a Modbus TCP port of site ${site.name}`);
  return { id: lineId, kind: 'tcp', host: '127.0.0.1', port: endpoint.port, ...(timing ? { timing } : {}) };
}

/** The RTU line (the client end of the pty pair, with the line's serial format) of a site's Modbus RTU device. */
export function rtuLineFor(site: RunningSite, deviceId: string, lineId: string, timing?: Partial<LineTiming>): LineConfig {
  const endpoint = site.endpoints.find((candidate) => candidate.deviceId === deviceId);
  if (endpoint?.path === undefined || endpoint.serial === undefined) throw new Error(`device ${deviceId} is not on an RTU line of site ${site.name}`);
  const { baudRate, parity, dataBits, stopBits } = endpoint.serial;
  return { id: lineId, kind: 'rtu', path: endpoint.path, baudRate, parity, dataBits: dataBits as 7 | 8, stopBits: stopBits as 1 | 2, ...(timing ? { timing } : {}) };
}

/**
 * A device from a shipped profile with every polled point read every `intervalMs` (the profiles' own intervals
 * go up to a minute; the decoding under test does not depend on them).
 */
export function profileDevice(model: string, config: Omit<ModbusDeviceConfig, 'profile'>, intervalMs = 100): ReadyDevice {
  const profile: ModbusProfile = loadProfile(model);
  const overrides: Record<string, unknown> = {};
  for (const point of profile.points) if (point.spec.poll !== false) overrides[point.spec.id] = { intervalMs };
  const extra = (config.points ?? {}) as Record<string, Record<string, unknown>>;
  for (const [id, override] of Object.entries(extra)) overrides[id] = { ...(overrides[id] as object | undefined), ...override };
  return createModbusDevice(profile, { ...config, profile: model, points: overrides });
}

/** A device from a profile generated in the test (JSON is YAML), for layouts no shipped model has. */
export function generatedDevice(profile: { model: string } & Record<string, unknown>, config: Omit<ModbusDeviceConfig, 'profile'>): ReadyDevice {
  return createModbusDevice(parseProfile(JSON.stringify(profile), `${profile.model}.yaml`), { ...config, profile: profile.model });
}

export interface PollingRig {
  readonly poller: ModbusPoller;
  readonly log: ReadingLog;
  stop(): Promise<void>;
}

/** Starts a poller over the given lines and devices, collecting every reading. */
export function startPolling(lines: readonly LineConfig[], devices: readonly ReadyDevice[]): PollingRig {
  const log = new ReadingLog();
  const poller = new ModbusPoller({ lines, devices, onReadings: log.onReadings });
  poller.start();
  return { poller, log, stop: () => poller.stop() };
}
