/** Honeywell Midas gas detector over Modbus TCP: holding registers 40001.. at protocol address 0.. */

import { z } from 'zod';
import { writeTyped } from './device.ts';
import { GasDetector, gasDetectorOptionsSchema } from './gas-detector.ts';

export const midasOptionsSchema = gasDetectorOptionsSchema({
  temperatureC: z.number().default(25),
  cellLifeHours: z.number().int().min(0).max(0xffff).default(8760),
});
export type MidasOptions = z.output<typeof midasOptionsSchema>;

export const MIDAS_REGISTERS = {
  status: 0,
  concentration: 2,
  faultCode: 5,
  temperature: 7,
  cellLifeHours: 8,
  alarm1Threshold: 12,
  alarm2Threshold: 14,
} as const;
/** Status word 40001. State (bits 0-3) and fault level (bits 4-5) values are this simulator's encoding. */
export const MIDAS_STATUS = {
  stateMask: 0x000f,
  stateMonitoring: 0,
  stateWarmUp: 1,
  stateFault: 2,
  faultLevelShift: 4,
  faultLevelWarning: 1,
  faultLevelFault: 2,
  alarm1: 1 << 6,
  alarm2: 1 << 7,
  relay1: 1 << 8,
  relay2: 1 << 9,
  relayFault: 1 << 10,
  heartbeat: 1 << 11,
} as const;
export const MIDAS_DEFAULT_FAULT_CODE = 1;
export const MIDAS_HEARTBEAT_PERIOD_MS = 2000;

export class HoneywellMidas extends GasDetector {
  private readonly temperatureIndex: number;
  private readonly cellLifeIndex: number;

  constructor(id: string, options: MidasOptions) {
    super(
      id,
      'honeywell-midas',
      options,
      [20, 40],
      [
        { name: 'temperature', initial: options.temperatureC },
        { name: 'cellLifeHours', initial: options.cellLifeHours },
      ],
    );
    this.temperatureIndex = this.indexOf('temperature');
    this.cellLifeIndex = this.indexOf('cellLifeHours');
    const registers = this.memory.holdingRegisters;
    registers.define(0, 16, false);
    const [alarm1 = 0, alarm2 = 0] = this.alarms.thresholds;
    writeTyped(registers, MIDAS_REGISTERS.alarm1Threshold, 'float32', 'CDAB', alarm1);
    writeTyped(registers, MIDAS_REGISTERS.alarm2Threshold, 'float32', 'CDAB', alarm2);
    this.refresh();
  }

  protected refresh(): void {
    const registers = this.memory.holdingRegisters;
    const alarms = this.alarmBits();
    let status = this.faulted ? MIDAS_STATUS.stateFault : this.warmingUp ? MIDAS_STATUS.stateWarmUp : MIDAS_STATUS.stateMonitoring;
    const faultLevel = this.faulted ? MIDAS_STATUS.faultLevelFault : this.flag(this.warningIndex) ? MIDAS_STATUS.faultLevelWarning : 0;
    status |= faultLevel << MIDAS_STATUS.faultLevelShift;
    if (alarms & 1) status |= MIDAS_STATUS.alarm1 | MIDAS_STATUS.relay1;
    if (alarms & 2) status |= MIDAS_STATUS.alarm2 | MIDAS_STATUS.relay2;
    if (this.faulted) status |= MIDAS_STATUS.relayFault;
    // Toggles every 2 s of simulated time: a frozen heartbeat means a hung device.
    if (Math.floor(this.simTimeMs / MIDAS_HEARTBEAT_PERIOD_MS) % 2 === 1) status |= MIDAS_STATUS.heartbeat;
    registers.set(MIDAS_REGISTERS.status, status);
    writeTyped(registers, MIDAS_REGISTERS.concentration, 'float32', 'CDAB', this.concentration);
    registers.set(MIDAS_REGISTERS.faultCode, this.activeFaultCode(MIDAS_DEFAULT_FAULT_CODE));
    writeTyped(registers, MIDAS_REGISTERS.temperature, 'int16', 'ABCD', Math.round(this.values[this.temperatureIndex]!));
    registers.set(MIDAS_REGISTERS.cellLifeHours, Math.max(0, Math.min(0xffff, Math.round(this.values[this.cellLifeIndex]!))));
  }
}
