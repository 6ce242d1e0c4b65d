/** Tank gauge over Modbus: level, pressure and temperature as float32 holding registers; inflow moves the level. */

import { z } from 'zod';
import { ModbusDevice, writeTyped } from './device.ts';
import { WORD_ORDERS } from '../word-order.ts';

export const tankGaugeOptionsSchema = z.strictObject({
  heightMm: z.number().positive().default(10000),
  levelMm: z.number().nonnegative().default(5000),
  pressureKPa: z.number().default(101.3),
  temperatureC: z.number().default(20),
  /** Level change per second of simulated time (negative drains). */
  inflowMmPerS: z.number().default(0),
  wordOrder: z.enum(WORD_ORDERS).default('ABCD'),
});
export type TankGaugeOptions = z.output<typeof tankGaugeOptionsSchema>;

/** Holding registers (float32): level mm at 0-1, pressure kPa at 2-3, temperature degC at 4-5. */
export const TANK_REGISTERS = { level: 0, pressure: 2, temperature: 4 } as const;

const [LEVEL, PRESSURE, TEMPERATURE, INFLOW] = [0, 1, 2, 3];

export class TankGauge extends ModbusDevice {
  constructor(
    id: string,
    private readonly options: TankGaugeOptions,
  ) {
    super(id, 'tank-gauge', [
      { name: 'level', initial: options.levelMm },
      { name: 'pressure', initial: options.pressureKPa },
      { name: 'temperature', initial: options.temperatureC },
      { name: 'inflowMmPerS', initial: options.inflowMmPerS },
    ]);
    this.memory.holdingRegisters.define(0, 6, false);
    this.refresh();
  }

  protected override step(simMs: number): void {
    const level = this.values[LEVEL]! + (this.values[INFLOW]! * simMs) / 1000;
    // A real tank overflows at its height and cannot go below empty.
    this.values[LEVEL] = Math.max(0, Math.min(this.options.heightMm, level));
  }

  protected refresh(): void {
    const registers = this.memory.holdingRegisters;
    const order = this.options.wordOrder;
    writeTyped(registers, TANK_REGISTERS.level, 'float32', order, this.values[LEVEL]!);
    writeTyped(registers, TANK_REGISTERS.pressure, 'float32', order, this.values[PRESSURE]!);
    writeTyped(registers, TANK_REGISTERS.temperature, 'float32', order, this.values[TEMPERATURE]!);
  }
}
