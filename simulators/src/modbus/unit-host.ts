/** The units behind one port or line: dispatches requests, applies per-unit comms faults, records statistics. */

import { SimulatorError } from '../errors.ts';
import type { ModbusUnit } from './memory.ts';
import { EXCEPTION_SERVER_DEVICE_BUSY, handleRequestPdu, writeException } from './pdu.ts';
import { RequestStatistics } from './statistics.ts';

/**
 * none: answer normally; noAnswer: stay silent; closeSocket: drop the TCP connection (silence on RTU);
 * garbled: send a corrupt frame (bad CRC on RTU, wrong MBAP length on TCP); busy: exception 06;
 * truncated: send the answer without its last 3 bytes (the MBAP length still counts them);
 * wrongProtocolId: TCP only, the answer's MBAP protocol id is 1, not Modbus' 0 (RTU frames have none: answered normally).
 */
export type CommsFault = 'none' | 'noAnswer' | 'closeSocket' | 'garbled' | 'busy' | 'truncated' | 'wrongProtocolId';
export const COMMS_FAULTS: readonly CommsFault[] = ['none', 'noAnswer', 'closeSocket', 'garbled', 'busy', 'truncated', 'wrongProtocolId'];

export const ResponseAction = { Respond: 0, NoAnswer: 1, CloseConnection: 2, RespondGarbled: 3, RespondTruncated: 4, RespondWrongProtocolId: 5 } as const;
/** Bytes a truncated answer lacks. */
export const TRUNCATED_BYTES = 3;
/** What a wrongProtocolId answer carries as MBAP protocol id. */
export const WRONG_PROTOCOL_ID = 1;
const FAULTED_RESPONSE: Readonly<Partial<Record<CommsFault, ResponseAction>>> = {
  garbled: ResponseAction.RespondGarbled,
  truncated: ResponseAction.RespondTruncated,
  wrongProtocolId: ResponseAction.RespondWrongProtocolId,
};
export type ResponseAction = (typeof ResponseAction)[keyof typeof ResponseAction];

/** Filled by ModbusUnitHost.process; reused by each transport so a request allocates nothing. */
export interface ResponseOutcome {
  action: ResponseAction;
  length: number;
}

export class ModbusUnitHost {
  readonly statistics = new RequestStatistics();
  private readonly units = new Map<number, ModbusUnit>();
  private readonly faults = new Map<number, CommsFault>();

  addUnit(unitId: number, unit: ModbusUnit): void {
    if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247) {
      throw new SimulatorError('HAZMON_SIM_UNIT_INVALID', `unit id ${unitId} is outside 1..247`);
    }
    if (this.units.has(unitId)) throw new SimulatorError('HAZMON_SIM_UNIT_INVALID', `unit id ${unitId} is already in use on this port`);
    this.units.set(unitId, unit);
  }

  unit(unitId: number): ModbusUnit | undefined {
    return this.units.get(unitId);
  }

  unitIds(): number[] {
    return [...this.units.keys()];
  }

  setFault(unitId: number, fault: CommsFault): void {
    if (fault === 'none') this.faults.delete(unitId);
    else this.faults.set(unitId, fault);
  }

  fault(unitId: number): CommsFault {
    return this.faults.get(unitId) ?? 'none';
  }

  /**
   * Handles one request PDU for `unitId`. Every request is counted, including those to unknown or faulted
   * units, because tests count what the client sent. Unknown units stay silent, as on a real RS-485 line.
   */
  process(unitId: number, req: Buffer, reqOffset: number, reqLength: number, res: Buffer, resOffset: number, outcome: ResponseOutcome): void {
    const functionCode = req[reqOffset] ?? 0;
    const address = reqLength >= 3 ? req.readUInt16BE(reqOffset + 1) : 0;
    const quantity = functionCode === 0x05 || functionCode === 0x06 ? 1 : reqLength >= 5 ? req.readUInt16BE(reqOffset + 3) : 0;
    this.statistics.record(unitId, functionCode, address, quantity);
    outcome.length = 0;
    const unit = this.units.get(unitId);
    const fault = this.faults.get(unitId) ?? 'none';
    if (unit === undefined || fault === 'noAnswer') {
      outcome.action = ResponseAction.NoAnswer;
      return;
    }
    if (fault === 'closeSocket') {
      outcome.action = ResponseAction.CloseConnection;
      return;
    }
    if (fault === 'busy') {
      outcome.action = ResponseAction.Respond;
      outcome.length = writeException(functionCode, EXCEPTION_SERVER_DEVICE_BUSY, res, resOffset);
      return;
    }
    outcome.length = handleRequestPdu(unit, req, reqOffset, reqLength, res, resOffset);
    outcome.action = FAULTED_RESPONSE[fault] ?? ResponseAction.Respond;
  }
}
