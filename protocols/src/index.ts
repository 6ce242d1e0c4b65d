/** Public surface of @hazmon/protocols. */
export type { Quality, QualityReason, QualityReasonCode, Reading } from './reading.ts';
export { QUALITY_CODE, effectiveTime } from './reading.ts';
