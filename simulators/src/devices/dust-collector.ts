/**
 * Dust collector instrumentation (our model): filter differential pressure, inlet temperature and a spark detector in
 * the inlet duct, in holding registers; the fan and the isolation valve of its interlock are separate devices.
 */

import { z } from 'zod';
import { WORD_ORDERS } from '../word-order.ts';
import { ModbusDevice, writeTyped } from './device.ts';

export const dustCollectorOptionsSchema = z.strictObject({
  differentialPressurePa: z.number().nonnegative().default(900),
  inletTemperatureC: z.number().default(28),
  wordOrder: z.enum(WORD_ORDERS).default('ABCD'),
});
export type DustCollectorOptions = z.output<typeof dustCollectorOptionsSchema>;

/** Holding registers: dP Pa float32 at 0-1, inlet temperature degC float32 at 2-3, spark detected at 4, spark count at 5, status at 6. */
export const DUST_REGISTERS = { differentialPressure: 0, inletTemperature: 2, sparkDetected: 4, sparkCount: 5, status: 6 } as const;
/** Status bits: 0 spark detected, 1 sensor fault. */
export const DUST_STATUS = { spark: 1 << 0, fault: 1 << 1 } as const;

const QUANTITIES = ['differentialPressure', 'inletTemperature', 'spark', 'sparkCount', 'sensorFault'] as const;
const [DIFFERENTIAL_PRESSURE, INLET_TEMPERATURE, SPARK, SPARK_COUNT, SENSOR_FAULT] = [0, 1, 2, 3, 4];

/** `spark` 1 is a spark seen now; each rise counts one (uint16, wrapping) in the spark counter. */
export class DustCollector extends ModbusDevice {
  constructor(
    id: string,
    private readonly options: DustCollectorOptions,
  ) {
    super(
      id,
      'dust-collector',
      QUANTITIES.map((name) => ({ name, initial: 0, readOnly: name === 'sparkCount' })),
    );
    this.values[DIFFERENTIAL_PRESSURE] = options.differentialPressurePa;
    this.values[INLET_TEMPERATURE] = options.inletTemperatureC;
    this.memory.holdingRegisters.define(0, 7, false);
    this.refresh();
  }

  override set(quantity: string, value: number): void {
    const rising = quantity === 'spark' && value !== 0 && !this.flag(SPARK);
    super.set(quantity, value);
    if (rising) {
      this.values[SPARK_COUNT] = (this.values[SPARK_COUNT]! + 1) % 0x1_0000;
      this.refresh();
    }
  }

  protected refresh(): void {
    const registers = this.memory.holdingRegisters;
    writeTyped(registers, DUST_REGISTERS.differentialPressure, 'float32', this.options.wordOrder, this.values[DIFFERENTIAL_PRESSURE]!);
    writeTyped(registers, DUST_REGISTERS.inletTemperature, 'float32', this.options.wordOrder, this.values[INLET_TEMPERATURE]!);
    registers.set(DUST_REGISTERS.sparkDetected, this.flag(SPARK) ? 1 : 0);
    registers.set(DUST_REGISTERS.sparkCount, this.values[SPARK_COUNT]!);
    registers.set(DUST_REGISTERS.status, (this.flag(SPARK) ? DUST_STATUS.spark : 0) | (this.flag(SENSOR_FAULT) ? DUST_STATUS.fault : 0));
  }
}
