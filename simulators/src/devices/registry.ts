/** Builds a simulated device from its model name and options; the option schemas double as the site file's. */

import { z } from 'zod';
import { AnalogInputModule, analogInputOptionsSchema } from './analog-input.ts';
import type { ModbusSimulatedDevice } from './device.ts';
import { DustCollector, dustCollectorOptionsSchema } from './dust-collector.ts';
import { HoneywellMidas, midasOptionsSchema } from './honeywell-midas.ts';
import { HoneywellXnx, xnxOptionsSchema } from './honeywell-xnx.ts';
import { IgdToc635, igdOptionsSchema } from './igd-toc-635.ts';
import { MotorStarter, motorStarterOptionsSchema } from './motor-starter.ts';
import { MsaUltimaX, msaOptionsSchema } from './msa-ultima-x.ts';
import { RegisterBank, registerBankOptionsSchema } from './register-bank.ts';
import { ShutoffValve, shutoffValveOptionsSchema } from './shutoff-valve.ts';
import { TankGauge, tankGaugeOptionsSchema } from './tank-gauge.ts';

const variant = <TModel extends string, TOptions extends z.ZodType, TExtra extends z.ZodRawShape>(model: TModel, options: TOptions, extra: TExtra) =>
  z.strictObject({
    /** Unique in the site; names the device in output, errors and scenarios. */
    id: z.string().min(1),
    model: z.literal(model),
    options: options.prefault({} as never),
    ...extra,
  });

/** A device entry of any model with validated options, plus `extra` fields (e.g. a site's unit id); `model` selects the options schema. */
export function deviceSpecSchemaWith<TExtra extends z.ZodRawShape>(extra: TExtra) {
  return z.discriminatedUnion('model', [
    variant('honeywell-xnx', xnxOptionsSchema, extra),
    variant('honeywell-midas', midasOptionsSchema, extra),
    variant('msa-ultima-x', msaOptionsSchema, extra),
    variant('igd-toc-635', igdOptionsSchema, extra),
    variant('analog-input-4-20ma', analogInputOptionsSchema, extra),
    variant('tank-gauge', tankGaugeOptionsSchema, extra),
    variant('shutoff-valve', shutoffValveOptionsSchema, extra),
    variant('motor-starter', motorStarterOptionsSchema, extra),
    variant('dust-collector', dustCollectorOptionsSchema, extra),
    variant('register-bank', registerBankOptionsSchema, extra),
  ]);
}

export const deviceSpecSchema = deviceSpecSchemaWith({});
export type DeviceSpec = z.input<typeof deviceSpecSchema>;

/** Creates a device; throws a ZodError naming the field when the options are wrong. */
export function createDevice(spec: DeviceSpec): ModbusSimulatedDevice {
  return createParsedDevice(deviceSpecSchema.parse(spec));
}

/** Creates a device from an entry already validated by a deviceSpecSchemaWith() schema. */
export function createParsedDevice(parsed: z.output<typeof deviceSpecSchema>): ModbusSimulatedDevice {
  switch (parsed.model) {
    case 'honeywell-xnx':
      return new HoneywellXnx(parsed.id, parsed.options);
    case 'honeywell-midas':
      return new HoneywellMidas(parsed.id, parsed.options);
    case 'msa-ultima-x':
      return new MsaUltimaX(parsed.id, parsed.options);
    case 'igd-toc-635':
      return new IgdToc635(parsed.id, parsed.options);
    case 'analog-input-4-20ma':
      return new AnalogInputModule(parsed.id, parsed.options);
    case 'tank-gauge':
      return new TankGauge(parsed.id, parsed.options);
    case 'shutoff-valve':
      return new ShutoffValve(parsed.id, parsed.options);
    case 'motor-starter':
      return new MotorStarter(parsed.id, parsed.options);
    case 'dust-collector':
      return new DustCollector(parsed.id, parsed.options);
    case 'register-bank':
      return new RegisterBank(parsed.id, parsed.options);
  }
}
