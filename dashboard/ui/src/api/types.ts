/** The API's answers as the pages use them (dashboard/src/schemas.ts is the source of truth). */
export type Priority = 'emergency' | 'high' | 'medium' | 'low';
export const PRIORITIES: readonly Priority[] = ['emergency', 'high', 'medium', 'low'];
export type AlarmState = 'normal' | 'unacknowledged_active' | 'acknowledged_active' | 'unacknowledged_returned';
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
  readonly mode: 'in_service' | 'shelved' | 'suppressed' | 'out_of_service';
  readonly conditionActive: boolean;
  readonly priority: Priority;
  readonly activeSince: number | null;
  readonly shelvedUntil: number | null;
  readonly help: AlarmHelp | null;
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
}

export interface AlarmList {
  readonly engine: readonly EngineAlarm[];
  readonly runtime: readonly RuntimeAlarm[];
}

export interface Point {
  readonly id: string;
  readonly device: string | null;
  readonly area: string | null;
  readonly unit: string | null;
  readonly gas: string | null;
  /** Decimal places to show; when the server gives none, formatValue picks a safe default. */
  readonly resolution?: number | null;
  readonly value: number | boolean | null;
  readonly quality: Quality | null;
  readonly reason: { readonly code: string; readonly message: string } | null;
  readonly sourceTime: number | null;
  readonly receiveTime: number | null;
}

export interface ReadingUpdate {
  readonly pointId: string;
  readonly value: number | boolean | null;
  readonly quality: Quality;
  readonly time: number;
}

export interface Site {
  readonly site: { readonly id: string; readonly name: string; readonly timeZone?: string };
  readonly warningGrade: WarningGrade;
  readonly areas: readonly { readonly id: string; readonly name: string | null; readonly warningGrade: WarningGrade }[];
}

/** A stored alarm event (GET /api/v1/alarm-events): transitions, acknowledgements, handling records, resets. */
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
}

export interface LimitSwitch {
  readonly pointId: string;
  readonly value: boolean | null;
  readonly quality: Quality | null;
  readonly sourceTime: number | null;
  readonly receiveTime: number | null;
}

/** A configured action (GET /api/v1/actions): a shut-off valve, fan, siren or power cut, and whether a reset would pass. */
export interface Action {
  readonly id: string;
  readonly name: string | null;
  readonly kind: 'shutoff_valve' | 'fan' | 'siren' | 'power_cut';
  readonly state: 'normal' | 'commanded' | 'confirmed' | 'discrepancy' | 'latched';
  readonly latched: boolean;
  readonly latchedSince: number | null;
  readonly trippedBy: readonly string[];
  readonly discrepancy: string | null;
  readonly feedback: { readonly closed: LimitSwitch; readonly open: LimitSwitch | null } | null;
  readonly triggers: readonly { readonly alarmId: string; readonly state: AlarmState | null; readonly conditionActive: boolean }[];
  readonly resetAllowed: boolean;
  readonly resetRefusal: string | null;
}
