import { HazmonError } from '@hazmon/errors';

export type UplinkErrorCode = 'HAZMON_UPLINK_POSITION_INVALID' | 'HAZMON_UPLINK_CREDENTIALS_UNREADABLE' | 'HAZMON_UPLINK_NOT_CONFIGURED';

/** A problem of the uplink that a person must mend: its position file, a credential file it cannot read, no uplink section. */
export class UplinkError extends HazmonError<UplinkErrorCode> {
  override readonly name = 'UplinkError';
}
