/** MSA Ultima X series over Modbus RTU: register 1000 holds the base (40000); base+N is protocol address base+N. */

import { z } from 'zod';
import { writeTyped } from './device.ts';
import { GasDetector, gasDetectorOptionsSchema } from './gas-detector.ts';

/** The manual's "ModBUS base address register": protocol address 1000, holding the base value itself. */
export const MSA_BASE_REGISTER = 1000;
/** Default base: the manual sends all five digits, so base+201 goes on the wire as protocol address 40201. */
export const MSA_DEFAULT_BASE = 40000;

export const msaOptionsSchema = gasDetectorOptionsSchema({
  /** Value of the base-address register; base+N is protocol address baseAddress+N. */
  baseAddress: z
    .number()
    .int()
    .min(0)
    .max(65535 - 212)
    .default(MSA_DEFAULT_BASE),
});
export type MsaOptions = z.output<typeof msaOptionsSchema>;

/** Offsets from the base. */
export const MSA_OFFSETS = {
  firstDefined: 200,
  status: 201,
  faultBits: 202,
  /** Gas readings of sensors 1-3 (float32, most significant word first); sensor 1 is `concentration`. */
  gas1: 207,
  gas2: 209,
  gas3: 211,
  lastDefined: 212,
} as const;
export const MSA_STATUS = { fault: 1 << 0, warmUp: 1 << 4, lowAlarm: 1 << 5, midAlarm: 1 << 6, highAlarm: 1 << 7 } as const;
export const MSA_DEFAULT_FAULT_BITS = 0x0001;
/** "Coil 19" of the manual, 1-based: protocol address 18. Writing 1 resets latched alarms; it reads back 0. */
export const MSA_RESET_COIL = 18;

export class MsaUltimaX extends GasDetector {
  private readonly base: number;
  private readonly gas2Index: number;
  private readonly gas3Index: number;

  constructor(id: string, options: MsaOptions) {
    // Sensors 2 and 3 (Ultima X3) are plain values in the device's unit; alarms follow sensor 1 only.
    super(
      id,
      'msa-ultima-x',
      options,
      [10, 20, 40],
      [
        { name: 'sensor2.concentration', initial: 0 },
        { name: 'sensor3.concentration', initial: 0 },
      ],
    );
    this.base = options.baseAddress;
    this.gas2Index = this.indexOf('sensor2.concentration');
    this.gas3Index = this.indexOf('sensor3.concentration');
    const registers = this.memory.holdingRegisters;
    registers.define(MSA_BASE_REGISTER, 1, false);
    registers.set(MSA_BASE_REGISTER, this.base);
    registers.define(this.base + MSA_OFFSETS.firstDefined, MSA_OFFSETS.lastDefined - MSA_OFFSETS.firstDefined + 1, false);
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
    writeTyped(registers, this.base + MSA_OFFSETS.gas1, 'float32', 'ABCD', this.concentration);
    writeTyped(registers, this.base + MSA_OFFSETS.gas2, 'float32', 'ABCD', this.values[this.gas2Index]!);
    writeTyped(registers, this.base + MSA_OFFSETS.gas3, 'float32', 'ABCD', this.values[this.gas3Index]!);
  }
}
