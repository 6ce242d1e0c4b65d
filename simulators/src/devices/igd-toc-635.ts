/** IGD TOC-635 gas controller: one input register per detector (raw 0-1200 = -10..110 %LEL), status registers, mute/reset coils. */

import { z } from 'zod';
import { ThresholdAlarms } from './alarms.ts';
import { channelQuantities, ModbusDevice } from './device.ts';

export const igdOptionsSchema = z.strictObject({
  channels: z.number().int().min(1).max(256).default(8),
  /** Rising alarm thresholds in %LEL for alarm levels 1..3. */
  alarmThresholds: z.array(z.number()).min(1).max(3).default([10, 20, 40]),
  latchAlarms: z.boolean().default(false),
  /** Below this %LEL the status says under range. */
  underRangeBelow: z.number().default(-5),
  /** Above this %LEL the status says over range. */
  overRangeAbove: z.number().default(100),
});
export type IgdOptions = z.output<typeof igdOptionsSchema>;

/** Register 30001 + n is input register n; 33001 + n is input register 3000 + n (n = channel - 1). */
export const IGD_REGISTERS = { firstReading: 0, firstStatus: 3000 } as const;
export const IGD_COILS = { mute: 0, reset: 1 } as const;
export const IGD_STATUS = {
  alarm1: 1 << 0,
  alarm2: 1 << 1,
  alarm3: 1 << 2,
  fault: 1 << 3,
  disabled: 1 << 4,
  underRange: 1 << 6,
  overRange: 1 << 7,
  commsFault: 1 << 8,
} as const;
const RAW_PER_LEL = 10;
const RAW_OFFSET_LEL = 10;
const RAW_MAX = 1200;

/** Raw register value for a %LEL reading: linear, -10 -> 0, 110 -> 1200, clamped. */
export function igdRawFromLel(lel: number): number {
  return Math.max(0, Math.min(RAW_MAX, Math.round((lel + RAW_OFFSET_LEL) * RAW_PER_LEL)));
}

const FIELDS = [
  { name: 'concentration', initial: 0 },
  { name: 'sensorFault', initial: 0 },
  { name: 'disabled', initial: 0 },
  { name: 'commsFault', initial: 0 },
] as const;
const [CONCENTRATION, SENSOR_FAULT, DISABLED, COMMS_FAULT] = [0, 1, 2, 3];

export class IgdToc635 extends ModbusDevice {
  private readonly channelAlarms: ThresholdAlarms[];
  private readonly mutedIndex: number;

  constructor(
    id: string,
    private readonly options: IgdOptions,
  ) {
    super(id, 'igd-toc-635', [...channelQuantities(options.channels, FIELDS), { name: 'muted', initial: 0, readOnly: true }]);
    this.mutedIndex = this.indexOf('muted');
    this.channelAlarms = Array.from({ length: options.channels }, () => new ThresholdAlarms(options.alarmThresholds, options.latchAlarms));
    this.memory.inputRegisters.define(IGD_REGISTERS.firstReading, options.channels, false);
    this.memory.inputRegisters.define(IGD_REGISTERS.firstStatus, options.channels, false);
    this.memory.coils.define(IGD_COILS.mute, 2, true);
    this.refresh();
  }

  override writeCoil(address: number, value: boolean): void {
    if (address === IGD_COILS.mute) this.memory.coils.set(address, value);
    else if (value) for (const alarms of this.channelAlarms) alarms.reset(); // reset is momentary: reads back 0
    this.refresh();
  }

  protected refresh(): void {
    const registers = this.memory.inputRegisters;
    const fieldCount = FIELDS.length;
    for (let channel = 0; channel < this.options.channels; channel++) {
      const base = channel * fieldCount;
      const lel = this.values[base + CONCENTRATION]!;
      const fault = this.flag(base + SENSOR_FAULT);
      const disabled = this.flag(base + DISABLED);
      const commsFault = this.flag(base + COMMS_FAULT);
      const alarms = this.channelAlarms[channel]!.update(lel, !fault && !disabled && !commsFault);
      let status = alarms & (IGD_STATUS.alarm1 | IGD_STATUS.alarm2 | IGD_STATUS.alarm3);
      if (fault) status |= IGD_STATUS.fault;
      if (disabled) status |= IGD_STATUS.disabled;
      if (lel < this.options.underRangeBelow) status |= IGD_STATUS.underRange;
      if (lel > this.options.overRangeAbove) status |= IGD_STATUS.overRange;
      if (commsFault) status |= IGD_STATUS.commsFault;
      registers.set(IGD_REGISTERS.firstReading + channel, igdRawFromLel(lel));
      registers.set(IGD_REGISTERS.firstStatus + channel, status);
    }
    this.values[this.mutedIndex] = this.memory.coils.get(IGD_COILS.mute) ? 1 : 0;
  }
}
