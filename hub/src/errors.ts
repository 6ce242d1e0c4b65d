import { HazmonError } from '@hazmon/errors';

export type HubErrorCode = 'HAZMON_HUB_VICTORIA_WRITE';

/** A failure of the hub's ingest, retried: VictoriaMetrics unreachable or refusing a write. */
export class HubError extends HazmonError<HubErrorCode> {
  override readonly name = 'HubError';
}
