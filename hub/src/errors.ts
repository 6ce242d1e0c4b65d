import { HazmonError } from '@hazmon/errors';

export type HubErrorCode = 'HAZMON_HUB_VICTORIA_WRITE' | 'HAZMON_HUB_VICTORIA_QUERY' | 'HAZMON_HUB_CONFIG' | 'HAZMON_HUB_LISTEN' | 'HAZMON_HUB_ENROL';

/** A failure of the hub: VictoriaMetrics unreachable or refusing a write (retried by the ingest) or a query; a config file that does not hold; a port taken; a gateway code or password file refused at enrolment. */
export class HubError extends HazmonError<HubErrorCode> {
  override readonly name = 'HubError';
}
