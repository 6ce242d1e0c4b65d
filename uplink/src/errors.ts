import { HazmonError } from '@hazmon/errors';

export type UplinkErrorCode = 'HAZMON_UPLINK_POSITION_INVALID' | 'HAZMON_UPLINK_CREDENTIALS_UNREADABLE' | 'HAZMON_UPLINK_NOT_CONFIGURED' | 'HAZMON_UPLINK_LINK_DOWN';

/** A problem of the uplink: its position file, a credential file it cannot read, no uplink section, the link down (retried). */
export class UplinkError extends HazmonError<UplinkErrorCode> {
  override readonly name = 'UplinkError';
}
