/** The API's answers as the pages use them (the server's zod schemas are the source of truth; dashboard/src/ui-answer-types.test.ts has the type check hold these to them). */
export type Priority = 'emergency' | 'high' | 'medium' | 'low';
export const PRIORITIES: readonly Priority[] = ['emergency', 'high', 'medium', 'low'];
export type AlarmState = 'normal' | 'unacknowledged_active' | 'acknowledged_active' | 'unacknowledged_returned';
export type AlarmMode = 'in_service' | 'shelved' | 'suppressed' | 'out_of_service';
export type Quality = 'good' | 'uncertain' | 'bad';
export type WarningGrade = 'red' | 'orange' | 'yellow' | 'blue' | 'normal';

/** The config's help for an alarm: what a person on shift needs to act on it. */
export interface AlarmHelp {
  readonly cause: string | null;
  readonly consequence: string | null;
  readonly responseMinutes: number | null;
  readonly action: string | null;
}

export interface EngineAlarm {
  readonly id: string;
  readonly pointId: string;
  readonly rule: string;
  readonly state: AlarmState;
  readonly mode: AlarmMode;
  readonly conditionActive: boolean;
  readonly priority: Priority;
  readonly activeSince: number | null;
  readonly shelvedUntil: number | null;
  readonly help: AlarmHelp | null;
  /** The site's areas the alarm belongs to (a vote's, a latch's, a device's too); empty for the agent's own. */
  readonly areas: readonly string[];
}

export interface RuntimeAlarm {
  readonly id: string;
  readonly source: string;
  readonly rule: string;
  readonly priority: Priority;
  readonly state: AlarmState;
  readonly conditionActive: boolean;
  readonly since: number;
  readonly why: string;
  readonly help: AlarmHelp | null;
  /** The site's areas the alarm belongs to (a vote's, a latch's, a device's too); empty for the agent's own. */
  readonly areas: readonly string[];
}

/** A running on-delay (no alarm yet) or off-delay (not cleared yet): GB 16808-2025 5.5.1.3 asks it shown with its time. */
export interface PendingDelay {
  readonly alarmId: string;
  readonly pointId: string;
  readonly rule: string;
  readonly priority: Priority;
  readonly kind: 'on' | 'off';
  readonly pendingSince: number;
  readonly delayMs: number;
  readonly dueAt: number;
  readonly value: number;
  readonly limit: number;
}

export interface AlarmList {
  readonly engine: readonly EngineAlarm[];
  readonly runtime: readonly RuntimeAlarm[];
  readonly pending: readonly PendingDelay[];
}

export interface Point {
  readonly id: string;
  readonly device: string | null;
  readonly area: string | null;
  readonly unit: string | null;
  readonly gas: string | null;
  /** The step values are stored at (0.1: one decimal); formatValue shows values at it, or picks a safe default without one. */
  readonly resolution?: number | null;
  readonly value: number | boolean | null;
  readonly quality: Quality | null;
  readonly reason: { readonly code: string; readonly message: string } | null;
  readonly sourceTime: number | null;
  readonly receiveTime: number | null;
  /** Expected spacing of readings. */
  readonly pollIntervalMs?: number | null;
  /** How long a reading stays current after its receiveTime, by the agent's rule (older is stale); null when the agent gives none. */
  readonly freshForMs?: number | null;
  /** On the site plan, in plan units from its top left; null when not placed. */
  readonly position?: { readonly x: number; readonly y: number } | null;
  /** Its alarms out of service when the points were read (the disable record): who took each out, when, why. */
  readonly outOfService?: readonly OutOfServiceRecord[];
}

export interface OutOfServiceRecord {
  readonly alarmId: string;
  readonly by: string | null;
  readonly at: number;
  readonly reason: string | null;
}

/** GET /api/v1/points?fields=live: what changes with readings and alarm modes. */
export type PointLive = Pick<Point, 'id' | 'value' | 'quality' | 'reason' | 'sourceTime' | 'receiveTime' | 'outOfService'>;
/** GET /api/v1/points?fields=fixed: what changes only with the config. */
export type PointFixed = Omit<Point, Exclude<keyof PointLive, 'id'>>;

/**
 * A `readings` event of the live stream, by column (dashboard/src/live-feed.ts): point i read `values[i]` at
 * `base + times[i]` (the gateway's receive time), good unless `qualities` names it.
 */
export interface ReadingsData {
  readonly base: number;
  readonly pointIds: readonly string[];
  readonly values: readonly (number | boolean | null)[];
  readonly times: readonly number[];
  readonly qualities?: Readonly<Record<number, Quality>>;
}

/** The area presets of the agent's config (agent/src/config/area-presets.ts). */
export type AreaKind = 'kitchen' | 'nh3-machine-room' | 'dust-point' | 'tank-farm' | 'process';

export interface Site {
  readonly site: { readonly id: string; readonly name: string; readonly timeZone?: string };
  readonly warningGrade: WarningGrade;
  readonly areas: readonly { readonly id: string; readonly name: string | null; readonly kind?: AreaKind | null; readonly warningGrade: WarningGrade }[];
  /** The site plan's image (GET url) and size in plan units; null when the config names none. */
  readonly plan?: { readonly url: string; readonly width: number; readonly height: number } | null;
  /** R and its grade (1 highest .. 4) from the config's inventories; null without them. */
  readonly majorHazard?: { readonly r: number; readonly grade: number } | null;
}

/** GET /api/v1/devices: each device's comms and health. */
export interface Device {
  readonly id: string;
  readonly kind: 'modbus' | 'opcua';
  readonly comms: 'ok' | 'comms_loss' | 'refusing_requests';
  readonly lastGoodReadingAt: number | null;
  readonly disconnections: number;
  readonly offlineHours: number;
  readonly faults: readonly { readonly pointId: string; readonly quality: string; readonly reason: string | null; readonly message: string | null }[];
  readonly sensorLifeHours: number | null;
  readonly upkeep: { readonly bumpTestDue: number | null; readonly calibrationDue: number | null; readonly overdue: boolean } | null;
}

export interface LimitSwitch {
  readonly pointId: string;
  readonly value: boolean | null;
  readonly quality: Quality | null;
  readonly sourceTime: number | null;
  readonly receiveTime: number | null;
}

export type RefusalParams = Readonly<Record<string, string | number>>;

/** Why the agent refused a command (the error's `refusal`, dashboard/README.md "Refusal codes"). */
export interface Refusal {
  readonly code: string;
  readonly params: RefusalParams;
}

export type ActionState = 'normal' | 'commanded' | 'confirmed' | 'discrepancy' | 'latched';

/** GET /api/v1/actions: a shut-off valve, fan, siren or power cut with its latch, feedback and triggers. */
export interface Action {
  readonly id: string;
  readonly name: string | null;
  readonly kind: 'shutoff_valve' | 'fan' | 'siren' | 'power_cut';
  readonly output: { readonly id: string; readonly command: string; readonly tripValue: boolean | number };
  readonly state: ActionState;
  readonly latched: boolean;
  readonly latchedSince: number | null;
  readonly trippedBy: readonly string[];
  readonly discrepancy: string | null;
  /** The discrepancy's reason as a code (stuck_open, no_feedback, ..., command_failed), said from the catalog. */
  readonly discrepancyCode: string | null;
  readonly feedback: { readonly closed: LimitSwitch; readonly open: LimitSwitch | null } | null;
  readonly triggers: readonly { readonly alarmId: string; readonly state: AlarmState | null; readonly conditionActive: boolean }[];
  readonly resetAllowed: boolean;
  /** The agent's English sentence; the UI says resetRefusalCode with its params from the catalog when it knows the code. */
  readonly resetRefusal: string | null;
  readonly resetRefusalCode: string | null;
  readonly resetRefusalParams: RefusalParams | null;
}

/** The limits in force of a point (GET /api/v1/points `thresholds`, the trends' `limits`); null where none. */
export interface Limits {
  readonly lolo: number | null;
  readonly lo: number | null;
  readonly hi: number | null;
  readonly hihi: number | null;
}

/** What GET /api/v1/points gives beyond the live value: limits and the provincial indicator metadata. */
export interface PointDetails extends Point {
  readonly thresholds?: Limits;
  readonly description?: string | null;
  readonly indicatorCode?: string | null;
  readonly equipmentCode?: string | null;
  readonly tagNumber?: string | null;
  readonly range?: readonly [number, number] | null;
  readonly hazardSourceCode?: string | null;
  readonly casNumber?: string | null;
  readonly pollIntervalMs?: number | null;
  readonly disabled?: { readonly by: string; readonly at: number; readonly reason: string } | null;
}

/** A stored alarm event row (GET /api/v1/alarm-events, the trends' `events`): transitions, acknowledgements, handling records, resets. */
export interface AlarmEvent {
  readonly seq: number;
  readonly time: number;
  readonly writtenAt: number;
  readonly pointId: string | null;
  readonly ruleId: string;
  readonly kind: string;
  readonly stateAfter: string;
  readonly priority?: Priority | null;
  readonly who?: string | null;
  readonly why?: string | null;
  readonly details?: Readonly<Record<string, unknown>> | null;
  /** The areas of the event's alarm, from the config running when it was read. */
  readonly areas: readonly string[];
}

/** A limit change inside a trend's range (who, why; `retired` by the agent when the config file's value took over; `config_file` by an edit of the config file). */
export interface LimitChange {
  readonly time: number;
  readonly limit: keyof Limits;
  readonly old: number | null;
  readonly new: number | null;
  readonly who: string;
  readonly why: string;
  readonly kind: 'changed' | 'removed' | 'retired' | 'config_file';
}

/** GET /api/v1/trends: per point, buckets of good readings (min / max / avg) and those holding readings not good. */
export interface Trend {
  readonly from: number;
  readonly to: number;
  readonly bucketMs: number;
  readonly series: readonly {
    readonly pointId: string;
    readonly unit: string | null;
    readonly source: 'raw' | '1m' | '1h' | '1d';
    readonly limits: Limits;
    /** The point's freshForMs: a value holds until the next reading within it; a longer silence is a gap. */
    readonly freshForMs: number | null;
    readonly buckets: readonly { readonly start: number; readonly min: number; readonly max: number; readonly avg: number; readonly count: number }[];
    readonly notGood: readonly { readonly start: number; readonly count: number }[];
    /** The limits in force at `from`; from there each change moves one limit. */
    readonly limitsAtFrom: Limits;
    readonly limitChanges: readonly LimitChange[];
    /** Null, or the time from which the record of changes is whole (it keeps the site's last 1000). */
    readonly limitsRecordedFrom: number | null;
  }[];
  readonly events: readonly AlarmEvent[];
  readonly eventsTruncated: boolean;
}

/** A count of alarm activations in one UTC hour or day (GET /api/v1/alarm-health). */
export interface ActivationCount {
  readonly start: number;
  readonly count: number;
}

export interface StandingAlarm {
  readonly alarmId: string;
  readonly pointId: string | null;
  readonly priority: string | null;
  readonly state: string;
  readonly activeSince: number;
}

export interface AlarmHealth {
  readonly from: number;
  readonly to: number;
  readonly activations: number;
  readonly averagePer10Min: number;
  readonly perHour: readonly ActivationCount[];
  readonly perDay: readonly ActivationCount[];
  readonly floods: readonly { readonly start: number; readonly end: number; readonly alarms: number; readonly ongoing: boolean }[];
  readonly chattering: readonly { readonly alarmId: string; readonly pointId: string | null; readonly activations: number; readonly maxIn1Min: number }[];
  readonly standing: readonly StandingAlarm[];
  readonly stale: readonly StandingAlarm[];
  readonly worstPoints: readonly { readonly pointId: string; readonly activations: number }[];
}

export interface AuditRow {
  readonly seq: number;
  readonly time: number;
  readonly who: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: Readonly<Record<string, unknown>> | null;
}

export interface AuditPage {
  readonly rows: readonly AuditRow[];
  readonly next: number;
  readonly complete: boolean;
  readonly chain: {
    readonly ok: boolean;
    readonly rowsChecked: number;
    readonly problems: readonly { readonly seq: number; readonly problem: 'content_changed' | 'chain_broken' | 'missing' | 'duplicate'; readonly message: string }[];
  };
}

interface ShiftEvent {
  readonly seq: number;
  readonly time: number;
  readonly alarmId: string;
  readonly pointId: string | null;
  readonly who: string | null;
}

export interface ShiftReport {
  readonly from: number;
  readonly to: number;
  readonly raised: { readonly total: number; readonly byPriority: Readonly<Record<Priority, number>> };
  readonly acknowledgements: readonly (ShiftEvent & { readonly priority: string | null; readonly comment: string | null; readonly secondsToAcknowledge: number | null })[];
  readonly handling: readonly (ShiftEvent & { readonly found: string; readonly done: string; readonly result: string })[];
  readonly modeChanges: readonly (ShiftEvent & {
    readonly kind: 'shelved' | 'unshelved' | 'suppressed' | 'out_of_service' | 'returned_to_service';
    readonly reason: string | null;
    readonly shelvedUntil: number | null;
  })[];
  readonly actions: readonly (ShiftEvent & { readonly kind: string; readonly actionId: string | null; readonly command: string | null; readonly reason: string | null })[];
  readonly upkeep: readonly {
    readonly seq: number;
    readonly deviceId: string;
    readonly kind: 'bump_test' | 'calibration';
    readonly at: number;
    readonly result: 'pass' | 'fail' | 'adjusted';
    readonly notes: string | null;
    readonly nextDue: number | null;
    readonly who: string | null;
    readonly recordedAt: number;
  }[];
  readonly commsLosses: readonly { readonly deviceId: string; readonly disconnections: number; readonly offlineHours: number }[];
  readonly points: readonly {
    readonly pointId: string;
    readonly min: number | null;
    readonly avg: number | null;
    readonly max: number | null;
    readonly count: number;
    readonly completeness: number;
  }[];
  readonly pointsTruncated: boolean;
  readonly standing: readonly (StandingAlarm & { readonly mode: string })[];
}
