/**
 * Detector upkeep (bump tests and calibrations): each record is an `alarm_events` row of rule `upkeep` (point id =
 * the device, kind = bump_test | calibration); this folds them with the config's intervals into what is due when.
 * In the agent, so the gateway's regulator API and its uplink to the hub (the devices it reports) fold them alike.
 */
import type { AlarmEventRow } from '../store/index.ts';
import type { PublicConfig } from './api.ts';
import { UPKEEP_RULE } from './event-journal.ts';
import type { UpkeepRecord } from './events.ts';
import type { LatestValue } from './latest-values.ts';

const DAY_MS = 86_400_000;

export const UPKEEP_KINDS = ['bump_test', 'calibration'] as const;
export const UPKEEP_RESULTS = ['pass', 'fail', 'adjusted'] as const;
type UpkeepKind = (typeof UPKEEP_KINDS)[number];

/** Profile points that report the sensor's remaining life in hours (Honeywell Midas 40009: `cellLifeHours`). */
const SENSOR_LIFE_POINTS = ['cellLifeHours'];

export interface UpkeepRecordView extends Required<Pick<UpkeepRecord, 'kind' | 'at' | 'result'>> {
  readonly seq: number;
  readonly deviceId: string;
  readonly notes: string | null;
  readonly nextDue: number | null;
  readonly who: string | null;
  /** When it was entered. */
  readonly recordedAt: number;
}

export interface UpkeepDue {
  readonly last: UpkeepRecordView | null;
  /** The record's own next due date, else its time plus the interval (a failed one: due at once); null without either. */
  readonly nextDue: number | null;
  /** Due now: past nextDue, or an interval is set and nothing was ever recorded. */
  readonly overdue: boolean;
}

export interface DetectorUpkeep {
  readonly deviceId: string;
  readonly model: string;
  readonly intervals: { readonly bumpTestDays: number | null; readonly calibrationDays: number | null };
  readonly bumpTest: UpkeepDue;
  readonly calibration: UpkeepDue;
  /** Remaining sensor life the device reports, hours; null where its profile has no such register or it has not reported. */
  readonly sensorLifeHours: number | null;
}

/** The stored upkeep rows as records; other rows are skipped. */
export function upkeepRecords(rows: readonly AlarmEventRow[]): UpkeepRecordView[] {
  return rows.flatMap((row) => {
    if (row.ruleId !== UPKEEP_RULE || row.pointId === null || !(UPKEEP_KINDS as readonly string[]).includes(row.kind)) return [];
    const details = row.details ?? {};
    const nextDue = details['nextDue'];
    const notes = details['notes'];
    return [
      {
        seq: row.seq,
        deviceId: row.pointId,
        kind: row.kind as UpkeepKind,
        at: Number(details['at']),
        result: row.stateAfter as UpkeepRecord['result'],
        notes: typeof notes === 'string' ? notes : null,
        nextDue: typeof nextDue === 'number' ? nextDue : null,
        who: row.who ?? null,
        recordedAt: row.time,
      },
    ];
  });
}

/**
 * The detectors: Modbus devices with a monitored point (one with alarm rules) or upkeep intervals in the config. A
 * shut-off valve or an I/O module is not bump-tested.
 */
export function detectorIds(config: PublicConfig): readonly string[] {
  let ids = detectorIdsByConfig.get(config);
  if (ids === undefined) {
    const monitored = new Set(config.engine.points.map((point) => point.id));
    ids = config.devices.filter((device) => config.upkeep[device.id] !== undefined || device.points.some((point) => monitored.has(point.readingId))).map((device) => device.id);
    detectorIdsByConfig.set(config, ids);
  }
  return ids;
}

/** Per config (a reload makes a new one): the regulator's device pulls ask for them several times a second at 10k points. */
const detectorIdsByConfig = new WeakMap<PublicConfig, readonly string[]>();

function dueOf(last: UpkeepRecordView | undefined, intervalDays: number | null, now: number): UpkeepDue {
  if (last === undefined) return { last: null, nextDue: null, overdue: intervalDays !== null };
  const nextDue = last.nextDue ?? (last.result === 'fail' ? last.at : intervalDays === null ? null : last.at + intervalDays * DAY_MS);
  return { last, nextDue, overdue: nextDue !== null && now >= nextDue };
}

const sensorLifeIdsByConfig = new WeakMap<PublicConfig, readonly string[]>();

/** Per config, the points that may carry a detector's sensor life: the only latest values detectorUpkeep reads. */
export function sensorLifePointIds(config: PublicConfig): readonly string[] {
  let ids = sensorLifeIdsByConfig.get(config);
  if (ids === undefined) sensorLifeIdsByConfig.set(config, (ids = detectorIds(config).flatMap((deviceId) => SENSOR_LIFE_POINTS.map((point) => `${deviceId}.${point}`))));
  return ids;
}

/** Each detector's upkeep now, from its records (in any order: the latest `at` of each kind counts). */
export function detectorUpkeep(config: PublicConfig, records: readonly UpkeepRecordView[], latest: readonly LatestValue[], now: number): DetectorUpkeep[] {
  const latestOf = (kind: UpkeepKind, deviceId: string) =>
    records
      .filter((record) => record.deviceId === deviceId && record.kind === kind)
      .reduce<UpkeepRecordView | undefined>((best, record) => (best === undefined || record.at >= best.at ? record : best), undefined);
  const detectors = detectorIds(config);
  // Only the sensor-life points: `latest` may hold every point of the site (10k).
  const lifeIds = new Set(sensorLifePointIds(config));
  const lifeOf = new Map<string, LatestValue>();
  for (const value of latest) if (lifeIds.has(value.pointId)) lifeOf.set(value.pointId, value);
  const devices = new Map(config.devices.map((device) => [device.id, device]));
  return detectors.map((deviceId) => {
    const intervals = config.upkeep[deviceId];
    const bumpTestDays = intervals?.bumpTestDays ?? null;
    const calibrationDays = intervals?.calibrationDays ?? null;
    const life = SENSOR_LIFE_POINTS.map((point) => lifeOf.get(`${deviceId}.${point}`)).find((value) => value?.quality === 'good' && typeof value.value === 'number');
    return {
      deviceId,
      model: devices.get(deviceId)?.model ?? '',
      intervals: { bumpTestDays, calibrationDays },
      bumpTest: dueOf(latestOf('bump_test', deviceId), bumpTestDays, now),
      calibration: dueOf(latestOf('calibration', deviceId), calibrationDays, now),
      sensorLifeHours: typeof life?.value === 'number' ? life.value : null,
    };
  });
}
