/** The answer of GET /api/v1/upkeep (dashboard/src/routes/upkeep.ts is the source of truth). */
export const UPKEEP_KINDS = ['bump_test', 'calibration'] as const;
export type UpkeepKind = (typeof UPKEEP_KINDS)[number];
export const UPKEEP_RESULTS = ['pass', 'fail', 'adjusted'] as const;
export type UpkeepResult = (typeof UPKEEP_RESULTS)[number];

export interface UpkeepRecord {
  readonly seq: number;
  readonly deviceId: string;
  readonly kind: UpkeepKind;
  readonly at: number;
  readonly result: UpkeepResult;
  readonly notes: string | null;
  readonly nextDue: number | null;
  readonly who: string | null;
  readonly recordedAt: number;
}

export interface Due {
  readonly last: UpkeepRecord | null;
  readonly nextDue: number | null;
  readonly overdue: boolean;
}

export interface DetectorUpkeep {
  readonly deviceId: string;
  readonly model: string;
  readonly intervals: { readonly bumpTestDays: number | null; readonly calibrationDays: number | null };
  readonly bumpTest: Due;
  readonly calibration: Due;
  readonly sensorLifeHours: number | null;
}

export interface UpkeepList {
  readonly time: number;
  readonly detectors: readonly DetectorUpkeep[];
  readonly records: readonly UpkeepRecord[];
}
