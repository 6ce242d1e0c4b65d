/** Honeywell XNX universal transmitter, Modbus option: holding registers 40001.. at protocol address 0.. */

import { z } from 'zod';
import { writeTyped } from './device.ts';
import { GasDetector, gasDetectorOptionsSchema } from './gas-detector.ts';

export const xnxOptionsSchema = gasDetectorOptionsSchema({
  /** 40001-40002, uint32 big-endian. */
  deviceId: z.number().int().min(0).max(0xffffffff).default(0x584e5801),
  /** 40011: 1 mg/m3, 3 %vol, 4 ppm, 5 %LEL. */
  unitCode: z.union([z.literal(1), z.literal(3), z.literal(4), z.literal(5)]).default(5),
});
export type XnxOptions = z.output<typeof xnxOptionsSchema>;

/** Protocol addresses (register number - 40001). */
export const XNX_REGISTERS = {
  deviceId: 0,
  concentration: 2,
  eventNumber: 4,
  status: 5,
  unitCode: 10,
  outputCurrent: 36,
} as const;
export const XNX_STATUS = { alarm1: 1 << 0, alarm2: 1 << 1, warning: 1 << 4, fault: 1 << 6 } as const;
/** Event numbers this simulator reports in 40005: faults are 1000-1999 (default 1001), warnings below. */
export const XNX_EVENTS = { defaultFault: 1001, warning: 1, warmUp: 2 } as const;

export class HoneywellXnx extends GasDetector {
  constructor(id: string, options: XnxOptions) {
    super(id, 'honeywell-xnx', options, [20, 40]);
    const registers = this.memory.holdingRegisters;
    registers.define(0, 38, false);
    writeTyped(registers, XNX_REGISTERS.deviceId, 'uint32', 'ABCD', options.deviceId);
    registers.set(XNX_REGISTERS.unitCode, options.unitCode);
    this.refresh();
  }

  protected refresh(): void {
    const registers = this.memory.holdingRegisters;
    const alarms = this.alarmBits();
    const warning = this.warmingUp || this.flag(this.warningIndex);
    let status = 0;
    if (alarms & 1) status |= XNX_STATUS.alarm1;
    if (alarms & 2) status |= XNX_STATUS.alarm2;
    if (warning) status |= XNX_STATUS.warning;
    if (this.faulted) status |= XNX_STATUS.fault;
    const event = this.faulted ? this.activeFaultCode(XNX_EVENTS.defaultFault) : warning ? (this.warmingUp ? XNX_EVENTS.warmUp : XNX_EVENTS.warning) : 0;
    writeTyped(registers, XNX_REGISTERS.concentration, 'float32', 'ABCD', this.concentration);
    registers.set(XNX_REGISTERS.eventNumber, event);
    registers.set(XNX_REGISTERS.status, status);
    writeTyped(registers, XNX_REGISTERS.outputCurrent, 'float32', 'ABCD', this.loopCurrent());
  }
}
