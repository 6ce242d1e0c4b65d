/** The one error class of the simulators: a stable code plus a message that says where and why. */
import { HazmonError } from '@hazmon/errors';

export type SimulatorErrorCode =
  | 'HAZMON_SIM_QUANTITY_UNKNOWN'
  | 'HAZMON_SIM_QUANTITY_READ_ONLY'
  | 'HAZMON_SIM_DEVICE_INVALID'
  | 'HAZMON_SIM_UNIT_INVALID'
  | 'HAZMON_SCENARIO_INVALID'
  | 'HAZMON_SITE_INVALID'
  | 'HAZMON_SIM_PTY_FAILED'
  | 'HAZMON_SIM_SERIAL_FAILED';

export class SimulatorError extends HazmonError<SimulatorErrorCode> {
  override readonly name = 'SimulatorError';
}
