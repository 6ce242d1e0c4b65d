/** Generic Modbus analog input module reading 4-20 mA detectors: loop current per channel as float mA and as raw counts. */

import { z } from 'zod';
import { channelQuantities, ModbusDevice, writeTyped } from './device.ts';
import { loopCurrentMa } from './loop-current.ts';
import { WORD_ORDERS } from '../word-order.ts';

const channelRangeSchema = z
  .strictObject({ rangeMin: z.number().default(0), rangeMax: z.number().default(100) })
  .refine((range) => range.rangeMax > range.rangeMin, { message: 'rangeMax must be above rangeMin', path: ['rangeMax'] });

const MAX_AI_CHANNELS = 50;

export const analogInputOptionsSchema = z.strictObject({
  channels: z.number().int().min(1).max(MAX_AI_CHANNELS).default(8),
  /** Range of the detector on each channel, by channel number (1-based); missing channels use 0-100. */
  ranges: z.record(z.string().regex(/^[1-9][0-9]*$/), channelRangeSchema).default({}),
  /** Word order of the float32 mA values. */
  wordOrder: z.enum(WORD_ORDERS).default('ABCD'),
  /** Raw counts per mA (default 1000: one count per microampere). */
  countsPerMa: z.number().positive().default(1000),
});
export type AnalogInputOptions = z.output<typeof analogInputOptionsSchema>;

/** Input registers: channel N's float32 mA at 2*(N-1), its raw counts (uint16) at 100 + (N-1). */
export const AI_REGISTERS = { firstCurrent: 0, firstCounts: 100 } as const;

const FIELDS = [
  { name: 'concentration', initial: 0 },
  { name: 'sensorFault', initial: 0 },
  /** An open loop: 0 mA. */
  { name: 'wireBreak', initial: 0 },
  { name: 'current', initial: 4, readOnly: true },
] as const;
const [CONCENTRATION, SENSOR_FAULT, WIRE_BREAK, CURRENT] = [0, 1, 2, 3];

export class AnalogInputModule extends ModbusDevice {
  private readonly rangeMin: Float64Array;
  private readonly rangeMax: Float64Array;

  constructor(
    id: string,
    private readonly options: AnalogInputOptions,
  ) {
    super(id, 'analog-input-4-20ma', channelQuantities(options.channels, FIELDS));
    this.rangeMin = new Float64Array(options.channels);
    this.rangeMax = new Float64Array(options.channels).fill(100);
    for (const [channel, range] of Object.entries(options.ranges)) {
      const index = Number(channel) - 1;
      if (index >= options.channels) continue; // the site schema rejects these; direct callers get the default
      this.rangeMin[index] = range.rangeMin;
      this.rangeMax[index] = range.rangeMax;
    }
    this.memory.inputRegisters.define(AI_REGISTERS.firstCurrent, options.channels * 2, false);
    this.memory.inputRegisters.define(AI_REGISTERS.firstCounts, options.channels, false);
    this.refresh();
  }

  protected refresh(): void {
    const registers = this.memory.inputRegisters;
    const fieldCount = FIELDS.length;
    for (let channel = 0; channel < this.options.channels; channel++) {
      const base = channel * fieldCount;
      const current = this.flag(base + WIRE_BREAK) ? 0 : loopCurrentMa(this.values[base + CONCENTRATION]!, this.rangeMin[channel]!, this.rangeMax[channel]!, this.flag(base + SENSOR_FAULT));
      this.values[base + CURRENT] = current;
      writeTyped(registers, AI_REGISTERS.firstCurrent + channel * 2, 'float32', this.options.wordOrder, current);
      registers.set(AI_REGISTERS.firstCounts + channel, Math.min(0xffff, Math.round(current * this.options.countsPerMa)));
    }
  }
}
