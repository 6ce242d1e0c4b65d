/**
 * Each Modbus device and OPC UA connection as a regulator sees it: comms state, last good reading, disconnections and
 * offline hours over a period, request counters, faulty points, sensor life and upkeep due. In the agent, so the
 * gateway's regulator API (/api/v1/devices) and its uplink's health message (to the hub) give the same answer.
 */
import type { AgentApi, PublicConfig } from './api.ts';
import { commsScores } from './comms-history.ts';
import { UPKEEP_RULE } from './event-journal.ts';
import { type DetectorUpkeep, detectorUpkeep, sensorLifePointIds, upkeepRecords } from './upkeep.ts';

const HOUR_MS = 3_600_000;

export interface DeviceFault {
  readonly pointId: string;
  readonly quality: string;
  readonly reason: string | null;
  readonly message: string | null;
}

export interface DeviceState {
  readonly id: string;
  readonly kind: 'modbus' | 'opcua';
  readonly comms: 'ok' | 'comms_loss' | 'refusing_requests';
  /** The latest receive time of a good reading of any of its points since start, epoch ms UTC. */
  readonly lastGoodReadingAt: number | null;
  /** Comms losses that began in the period, and its hours in comms loss. */
  readonly disconnections: number;
  readonly offlineHours: number;
  /** Modbus request counters since start; null for OPC UA. */
  readonly counters: { readonly requests: number; readonly responses: number; readonly timeouts: number; readonly exceptions: number; readonly connectionErrors: number } | null;
  /** Its points whose latest reading is not good, with the reason. */
  readonly faults: DeviceFault[];
  readonly sensorLifeHours: number | null;
  /** A detector's next bump test and calibration (epoch ms UTC), and whether either is overdue; null for other devices. */
  readonly upkeep: { readonly bumpTestDue: number | null; readonly calibrationDue: number | null; readonly overdue: boolean } | null;
}

/** Per config (a reload makes a new one): the device each reading point comes from. */
const deviceOfPointByConfig = new WeakMap<PublicConfig, ReadonlyMap<string, string>>();

function deviceOfPoint(config: PublicConfig): ReadonlyMap<string, string> {
  let devices = deviceOfPointByConfig.get(config);
  if (devices === undefined) {
    const map = new Map<string, string>();
    for (const device of config.devices) for (const point of device.points) map.set(point.readingId, device.id);
    for (const connection of config.opcua) for (const point of connection.points) map.set(point.id, connection.id);
    deviceOfPointByConfig.set(config, (devices = map));
  }
  return devices;
}

function upkeepDue(detector: DetectorUpkeep | undefined): DeviceState['upkeep'] {
  if (detector === undefined) return null;
  return { bumpTestDue: detector.bumpTest.nextDue, calibrationDue: detector.calibration.nextDue, overdue: detector.bumpTest.overdue || detector.calibration.overdue };
}

/** Every device now, with disconnections and offline hours over [from, to). */
export async function deviceStates(api: AgentApi, from: number, to: number, now: number): Promise<DeviceState[]> {
  const [commsRows, upkeepRows] = await Promise.all([api.reader.ruleHistory('comms_loss', from, to), api.reader.ruleHistory(UPKEEP_RULE, 0, Number.MAX_SAFE_INTEGER)]);
  const scores = commsScores(commsRows, from, to);
  const stats = api.stats();
  const deviceOf = deviceOfPoint(api.config);
  const lastGood = new Map<string, number>();
  const faultyPoints: string[] = [];
  // Visits of the latest values without an object per point (10k, on several regulator pulls a second); only the
  // points not good are read whole, for their reason. The last good reading is kept apart from the latest: a device in
  // comms loss, every point's latest reading bad, still says when it was last heard.
  api.latestChanges(0, (pointId, _value, quality) => {
    if (quality !== 'good' && deviceOf.has(pointId)) faultyPoints.push(pointId);
  });
  api.eachLastGoodReading((pointId, receiveTime) => {
    const device = deviceOf.get(pointId);
    if (device !== undefined) lastGood.set(device, Math.max(lastGood.get(device) ?? 0, receiveTime));
  });
  const faults = new Map<string, DeviceFault[]>();
  for (const latest of api.latestValues(faultyPoints)) {
    const device = deviceOf.get(latest.pointId)!;
    let list = faults.get(device);
    if (list === undefined) faults.set(device, (list = []));
    list.push({ pointId: latest.pointId, quality: latest.quality!, reason: latest.reason?.code ?? null, message: latest.reason?.message ?? null });
  }
  const upkeep = new Map(detectorUpkeep(api.config, upkeepRecords(upkeepRows), api.latestValues(sensorLifePointIds(api.config)), now).map((detector) => [detector.deviceId, detector]));
  const opcua = new Set(api.config.opcua.map((connection) => connection.id));
  const lost = new Set(stats.devicesInCommsLoss);
  const refusing = new Set(stats.devicesRefusingRequests);
  return stats.sources.map((id) => {
    const counters = stats.modbus.find((device) => device.deviceId === id)?.counters;
    return {
      id,
      kind: opcua.has(id) ? 'opcua' : 'modbus',
      comms: lost.has(id) ? 'comms_loss' : refusing.has(id) ? 'refusing_requests' : 'ok',
      lastGoodReadingAt: lastGood.get(id) ?? null,
      disconnections: scores.get(id)?.disconnections ?? 0,
      offlineHours: (scores.get(id)?.offlineMs ?? 0) / HOUR_MS,
      counters:
        counters === undefined
          ? null
          : { requests: counters.requests, responses: counters.responses, timeouts: counters.timeouts, exceptions: counters.exceptions, connectionErrors: counters.connectionErrors },
      faults: faults.get(id) ?? [],
      sensorLifeHours: upkeep.get(id)?.sensorLifeHours ?? null,
      upkeep: upkeepDue(upkeep.get(id)),
    };
  });
}
