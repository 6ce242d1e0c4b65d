/** MSA Ultima X series over Modbus RTU: the manual's base 40000 sits at protocol address `baseAddress` (1000). */

import { z } from 'zod';
import { writeTyped } from './device.ts';
import { GasDetector, gasDetectorOptionsSchema } from './gas-detector.ts';

export const msaOptionsSchema = gasDetectorOptionsSchema({
  /** Protocol address of the manual's "base" (40000). */
  baseAddress: z.number().int().min(0).max(65535 - 212).default(1000),
  temperatureC: z.number().default(25),
});
export type MsaOptions = z.output<typeof msaOptionsSchema>;

/** Offsets from the base; base+N is protocol address baseAddress+N. */
export const MSA_OFFSETS = {
  firstDefined: 200,
  status: 201,
  faultBits: 202,
  concentration: 207,
  temperature: 209,
  outputCurrent: 211,
  lastDefined: 212,
} as const;
export const MSA_STATUS = { fault: 1 << 0, warmUp: 1 << 4, lowAlarm: 1 << 5, midAlarm: 1 << 6, highAlarm: 1 << 7 } as const;
export const MSA_DEFAULT_FAULT_BITS = 0x0001;
/** "Coil 19" of the manual, 1-based: protocol address 18. Writing 1 resets latched alarms; it reads back 0. */
export const MSA_RESET_COIL = 18;

export class MsaUltimaX extends GasDetector {
  private readonly base: number;
  private readonly temperatureIndex: number;

  constructor(id: string, options: MsaOptions) {
    super(id, 'msa-ultima-x', options, [10, 20, 40], [{ name: 'temperature', initial: options.temperatureC }]);
    this.base = options.baseAddress;
    this.temperatureIndex = this.indexOf('temperature');
    this.memory.holdingRegisters.define(this.base + MSA_OFFSETS.firstDefined, MSA_OFFSETS.lastDefined - MSA_OFFSETS.firstDefined + 1, false);
    this.memory.coils.define(MSA_RESET_COIL, 1, true);
    this.refresh();
  }

  override writeCoil(address: number, value: boolean): void {
    if (address === MSA_RESET_COIL && value) this.alarms.reset();
    this.refresh();
  }

  protected refresh(): void {
    const registers = this.memory.holdingRegisters;
    const alarms = this.alarmBits();
    let status = 0;
    if (this.faulted) status |= MSA_STATUS.fault;
    if (this.warmingUp) status |= MSA_STATUS.warmUp;
    if (alarms & 1) status |= MSA_STATUS.lowAlarm;
    if (alarms & 2) status |= MSA_STATUS.midAlarm;
    if (alarms & 4) status |= MSA_STATUS.highAlarm;
    registers.set(this.base + MSA_OFFSETS.status, status);
    registers.set(this.base + MSA_OFFSETS.faultBits, this.activeFaultCode(MSA_DEFAULT_FAULT_BITS));
    writeTyped(registers, this.base + MSA_OFFSETS.concentration, 'float32', 'ABCD', this.concentration);
    writeTyped(registers, this.base + MSA_OFFSETS.temperature, 'float32', 'ABCD', this.values[this.temperatureIndex]!);
    writeTyped(registers, this.base + MSA_OFFSETS.outputCurrent, 'float32', 'ABCD', this.loopCurrent());
  }
}
