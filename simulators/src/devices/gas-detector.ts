/** What the gas detector models share: concentration, fault, warm-up and warning states, threshold alarms. */

import { z } from 'zod';
import { ThresholdAlarms } from './alarms.ts';
import { ModbusDevice, type DeviceModel, type QuantityDefinition } from './device.ts';
import { loopCurrentMa } from './loop-current.ts';

const gasDetectorShape = {
  /** Measuring range in the device's unit; the loop current spans it. */
  rangeMin: z.number().default(0),
  rangeMax: z.number().default(100),
  /** Rising alarm thresholds, lowest first; the model gives defaults. */
  alarmThresholds: z.array(z.number()).min(1).optional(),
  latchAlarms: z.boolean().default(false),
  /** The device starts in warm-up and leaves it after this much simulated time (0: no warm-up). */
  warmUpMs: z.number().nonnegative().default(0),
  concentration: z.number().default(0),
};

/** Options schema of a gas detector model: the shared options plus the model's own. */
export function gasDetectorOptionsSchema<TExtra extends z.ZodRawShape>(extra: TExtra) {
  return z.strictObject({ ...gasDetectorShape, ...extra }).refine(
    (options) => {
      const range = options as unknown as { rangeMin: number; rangeMax: number };
      return range.rangeMax > range.rangeMin;
    },
    { message: 'rangeMax must be above rangeMin', path: ['rangeMax'] },
  );
}

const baseOptionsSchema = gasDetectorOptionsSchema({});
export type GasDetectorOptions = z.output<typeof baseOptionsSchema>;

export abstract class GasDetector extends ModbusDevice {
  protected readonly alarms: ThresholdAlarms;
  protected readonly concentrationIndex = 0;
  protected readonly sensorFaultIndex = 1;
  protected readonly warmUpIndex = 2;
  protected readonly warningIndex = 3;
  /** 0 means "the model's default code for the active fault". */
  protected readonly faultCodeIndex = 4;
  private readonly warmUpMs: number;

  constructor(
    id: string,
    model: DeviceModel,
    protected readonly options: GasDetectorOptions,
    defaultThresholds: readonly number[],
    extraQuantities: readonly QuantityDefinition[] = [],
  ) {
    super(id, model, [
      { name: 'concentration', initial: options.concentration },
      { name: 'sensorFault', initial: 0 },
      { name: 'warmUp', initial: options.warmUpMs > 0 ? 1 : 0 },
      { name: 'warning', initial: 0 },
      { name: 'faultCode', initial: 0 },
      ...extraQuantities,
    ]);
    this.alarms = new ThresholdAlarms(options.alarmThresholds ?? defaultThresholds, options.latchAlarms);
    this.warmUpMs = options.warmUpMs;
  }

  protected get concentration(): number {
    return this.values[this.concentrationIndex]!;
  }

  protected get faulted(): boolean {
    return this.flag(this.sensorFaultIndex);
  }

  protected get warmingUp(): boolean {
    return this.flag(this.warmUpIndex);
  }

  /** The fault code set by a scenario, or the model's default while faulted, else 0. */
  protected activeFaultCode(modelDefault: number): number {
    if (!this.faulted) return 0;
    return this.values[this.faultCodeIndex] || modelDefault;
  }

  /** Alarm bits (bit i = threshold i); alarms are inhibited during fault and warm-up. */
  protected alarmBits(): number {
    return this.alarms.update(this.concentration, !this.faulted && !this.warmingUp);
  }

  protected loopCurrent(): number {
    return loopCurrentMa(this.concentration, this.options.rangeMin, this.options.rangeMax, this.faulted);
  }

  protected override step(simMs: number): void {
    // Warm-up ends by itself when simulated time crosses warmUpMs; a scenario may set it again later.
    const before = this.simTimeMs - simMs;
    if (this.warmUpMs > 0 && before < this.warmUpMs && this.simTimeMs >= this.warmUpMs) this.values[this.warmUpIndex] = 0;
  }
}
