/** The one shape every protocol client produces and every consumer (engine, store, dashboard) reads. */

/** good: trustworthy; uncertain: usable with care (warm-up, range limit); bad: not a measurement. */
export type Quality = 'good' | 'uncertain' | 'bad';

/**
 * Why a reading is not good. Stable codes so the engine, the store and regulators can act on them;
 * the message is for people and names the device, function and register involved.
 */
export type QualityReasonCode =
  | 'timeout' // no answer within the request timeout
  | 'exception' // Modbus exception response
  | 'connection' // line or session down, reconnecting
  | 'frame' // garbled or malformed response
  | 'decode' // value could not be decoded (NaN, wrong length)
  | 'device_fault' // the device reports a fault in its status or fault word
  | 'signal_out_of_range' // NAMUR NE43 fault current or beyond the configured range
  | 'warm_up' // device says it is warming up
  | 'maintenance' // device in check-function / maintenance / disabled
  | 'opcua_status' // OPC UA status code not Good
  | 'backoff'; // slave is being backed off after repeated failures

export interface QualityReason {
  readonly code: QualityReasonCode;
  readonly message: string;
}

export interface Reading {
  readonly pointId: string;
  /** null only when quality is bad and there is no value at all. */
  readonly value: number | boolean | null;
  readonly unit: string;
  /** Epoch milliseconds UTC as stamped by the source (OPC UA SourceTimestamp); null when the source has no clock. */
  readonly sourceTime: number | null;
  /** Epoch milliseconds UTC when the gateway received the value. */
  readonly receiveTime: number;
  readonly quality: Quality;
  /** Present exactly when quality is not good. */
  readonly reason?: QualityReason;
  /** Named status flags decoded from the device's status/fault words (e.g. alarm1, fault, heartbeat). */
  readonly flags?: Readonly<Record<string, boolean>>;
  /**
   * The source confirmed at receiveTime that a value it stated earlier still holds (OPC UA: a monitored item's value
   * delivered again on (re)subscribing, or repeated while its subscription is alive, which reports changes only).
   * sourceTime stays the time the source stamped on the value; the reading counts as of receiveTime.
   */
  readonly restated?: true;
}

/** Compact codes for storage and typed arrays; stable across versions. */
export const QUALITY_CODE: Readonly<Record<Quality, number>> = { good: 0, uncertain: 1, bad: 2 };

/**
 * Compact reason codes for storage and columnar batches; 0 stands for "no reason" (good readings).
 * Append only: a stored code must keep its meaning for as long as rows with it exist.
 */
export const REASON_CODE: Readonly<Record<QualityReasonCode, number>> = {
  timeout: 1,
  exception: 2,
  connection: 3,
  frame: 4,
  decode: 5,
  device_fault: 6,
  signal_out_of_range: 7,
  warm_up: 8,
  maintenance: 9,
  opcua_status: 10,
  backoff: 11,
};

/** REASON_CODE read backwards: index by the compact code; index 0 and unknown codes are undefined. */
export const REASON_BY_CODE: readonly (QualityReasonCode | undefined)[] = Object.entries(REASON_CODE).reduce<(QualityReasonCode | undefined)[]>((byCode, [reason, code]) => {
  byCode[code] = reason as QualityReasonCode;
  return byCode;
}, []);

/**
 * The time the engine should use: source time when the source has one, else the gateway's receive time; a restated
 * value counts as of its receive time (its source time is older than what the gateway knows of it).
 */
export function effectiveTime(reading: Pick<Reading, 'sourceTime' | 'receiveTime' | 'restated'>): number {
  return reading.restated === true ? reading.receiveTime : (reading.sourceTime ?? reading.receiveTime);
}
