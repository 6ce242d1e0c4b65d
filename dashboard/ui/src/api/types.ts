/** The API's answers as the pages use them (dashboard/src/schemas.ts is the source of truth). */
export type Priority = 'emergency' | 'high' | 'medium' | 'low';
export const PRIORITIES: readonly Priority[] = ['emergency', 'high', 'medium', 'low'];
export type AlarmState = 'normal' | 'unacknowledged_active' | 'acknowledged_active' | 'unacknowledged_returned';
export type Quality = 'good' | 'uncertain' | 'bad';
export type WarningGrade = 'red' | 'orange' | 'yellow' | 'blue' | 'normal';

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
