import { HazmonError } from '@hazmon/errors';

export type HubErrorCode = 'HAZMON_HUB_VICTORIA_WRITE' | 'HAZMON_HUB_CONFIG_INVALID';

/** A failure of the hub's ingest that it retries (a store down) or that a person must mend (its options). */
export class HubError extends HazmonError<HubErrorCode> {
  override readonly name = 'HubError';
}
