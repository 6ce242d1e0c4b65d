/** Named errors of the Modbus half of @hazmon/protocols, each with a stable code. */
import { HazmonError, quote } from '@hazmon/errors';

/** Stable codes for configuration problems found at set-up (profiles, point definitions, device configs). */
export type ModbusConfigErrorCode =
  | 'HAZMON_PROFILE_YAML' // the file is not valid YAML
  | 'HAZMON_PROFILE_NOT_FOUND' // no profile file for the model
  | 'HAZMON_PROFILE_INVALID' // a field has a wrong type, value or is unknown
  | 'HAZMON_POINT_INVALID' // a point's fields contradict each other (float32 on a coil, bit > 15, ...)
  | 'HAZMON_POINT_DUPLICATE' // two points with the same id
  | 'HAZMON_POINT_OVERLAP' // two points share registers in incompatible ways
  | 'HAZMON_PROFILE_REFERENCE' // a reference to a point or flag that does not exist
  | 'HAZMON_DEVICE_INVALID'; // a device config names an unknown line, override or duplicate id

/** Where a configuration problem is: file, field path and, when known, line:column in the YAML. */
export interface ConfigLocation {
  readonly file: string;
  /** Field path such as `points[3].address`. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
}

/** A profile, point or device definition that cannot be used; refused at set-up, never at poll time. */
export class ModbusConfigError extends HazmonError<ModbusConfigErrorCode> {
  override readonly name = 'ModbusConfigError';
  readonly location: ConfigLocation;
  /** `file` or `file:line:column`. */
  readonly where: string;
  /** What is wrong, without place or value, for a caller that places the problem itself (the agent's config check). */
  readonly problem: string;
  readonly value: unknown;

  constructor(code: ModbusConfigErrorCode, location: ConfigLocation, problem: string, value: unknown) {
    const where = location.line === undefined ? location.file : `${location.file}:${location.line}:${location.column ?? 1}`;
    super(code, `${where} ${location.path || '(root)'}: ${problem} (got ${quote(value)})`);
    this.location = location;
    this.where = where;
    this.problem = problem;
    this.value = value;
  }
}

/** Stable codes for failed writes. */
export type ModbusWriteErrorCode =
  | 'HAZMON_MODBUS_WRITE_FAILED' // the write request itself failed (timeout, exception, connection)
  | 'HAZMON_MODBUS_READBACK_MISMATCH' // the device accepted the write but reads back something else
  | 'HAZMON_MODBUS_NOT_WRITABLE'; // the point is not declared writable or the value does not fit

/** A write that did not take effect; the message names device, unit, function and register. */
export class ModbusWriteError extends HazmonError<ModbusWriteErrorCode> {
  override readonly name = 'ModbusWriteError';
}
