/**
 * The hub API's answers as the page reads them (the hub's zod schemas are the source of truth;
 * hub/src/api/ui-answer-types.test.ts has the type check hold these to them).
 */
import type { WarningGrade } from '@hazmon/dashboard/ui/types';

export interface HubSite {
  readonly gateway: string;
  readonly site: { readonly id: string; readonly name: string; readonly timeZone: string; readonly enterprise: { readonly code: string; readonly name: string } | null } | null;
  readonly points: number;
  readonly location: { readonly longitude: number; readonly latitude: number; readonly points: number } | null;
  readonly warningGrade: WarningGrade | null;
  /** R and its grade (1 the highest risk) from the gateway's configured inventory; null when it reports none. */
  readonly majorHazardGrade: { readonly r: number; readonly grade: 1 | 2 | 3 | 4 } | null;
  readonly online: boolean;
  /** The NATS link over the last 24 hours; null when the hub cannot see links (no NATS system user). */
  readonly link: { readonly connected: boolean; readonly onlineHours: number; readonly offlineHours: number; readonly disconnections: number } | null;
  /** What NATS refused the gateway's user in the last 24 hours. */
  readonly refusals: number;
  /** Its audit chain as the hub checked it on arrival; null before any audit row. */
  readonly auditChain: {
    readonly verifiedThrough: number;
    readonly received: number;
    readonly problem: { readonly seq: number; readonly problem: 'content_changed' | 'chain_broken' | 'rewritten'; readonly message: string } | null;
  } | null;
  /** Its messages the hub refused in the last 24 hours (outside the uplink contract: their data is missing here). */
  readonly rejected: number;
  readonly lastMessageAt: number | null;
  readonly health: {
    readonly time: number;
    readonly receivedAt: number;
    readonly healthy: boolean;
    readonly alive: boolean;
    readonly reasons: readonly string[];
    readonly activeAlarms: Readonly<Record<string, number>>;
  } | null;
}

export interface GatewayCompleteness {
  readonly gateway: string;
  readonly points: number;
  readonly outOfService: number;
  readonly expected: number;
  readonly good: number;
  readonly completeness: number | null;
}

export interface HubEvent {
  readonly id: number;
  readonly gateway: string;
  readonly seq: number;
  readonly time: number;
  readonly receivedAt: number;
  readonly pointId: string | null;
  readonly ruleId: string;
  readonly kind: string;
  readonly priority: string | null;
  readonly who: string | null;
  readonly why: string | null;
}

/** A point as its gateway's latest config describes it (GET /api/v1/points). */
export interface HubPoint {
  readonly gateway: string;
  readonly id: string;
  readonly unit: string | null;
  /** The indicator name (TARGET_NAME). */
  readonly description: string | null;
  readonly indicatorCode: string | null;
  readonly disabled: { readonly by: string; readonly at: number; readonly reason: string } | null;
}

export interface Bucket {
  readonly t: number;
  readonly min: number | null;
  readonly avg: number | null;
  readonly max: number | null;
  readonly count: number;
  readonly goodCount: number;
}

export interface Aggregates {
  readonly points: readonly { readonly pointId: string; readonly buckets: readonly Bucket[] }[];
}
