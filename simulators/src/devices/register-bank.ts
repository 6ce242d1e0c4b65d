/** A data-driven map of typed values at given addresses and word orders: for word-order tests and big loads on one port. */

import { z } from 'zod';
import { SimulatorError } from '../errors.ts';
import type { BitTable, WordTable } from '../modbus/memory.ts';
import { decodeRegisters, REGISTER_VALUE_TYPES, registerCount, WORD_ORDERS, type RegisterValueType, type WordOrder } from '../word-order.ts';
import { ModbusDevice, writeTyped } from './device.ts';

const TABLES = ['coil', 'discreteInput', 'holding', 'input'] as const;
type BankTable = (typeof TABLES)[number];
const POINT_TYPES = [...REGISTER_VALUE_TYPES, 'bool'] as const;
type PointType = (typeof POINT_TYPES)[number];

const pointSchema = z.strictObject({
  name: z.string().min(1),
  table: z.enum(TABLES),
  address: z.number().int().min(0).max(65535),
  type: z.enum(POINT_TYPES),
  value: z.number().default(0),
  /** Overrides the bank's word order for this point. */
  wordOrder: z.enum(WORD_ORDERS).optional(),
});

/** `count` points named `<namePrefix><i>` (i from 0), packed from `startAddress`, values start + i * step. */
const generateSchema = z.strictObject({
  namePrefix: z.string().min(1),
  count: z.number().int().min(1).max(65536),
  table: z.enum(TABLES),
  startAddress: z.number().int().min(0).max(65535).default(0),
  type: z.enum(POINT_TYPES),
  start: z.number().default(0),
  step: z.number().default(0),
  wordOrder: z.enum(WORD_ORDERS).optional(),
});

export const registerBankOptionsSchema = z.strictObject({
  wordOrder: z.enum(WORD_ORDERS).default('ABCD'),
  points: z.array(pointSchema).default([]),
  generate: z.array(generateSchema).default([]),
});
export type RegisterBankOptions = z.input<typeof registerBankOptionsSchema>;
export type RegisterBankPoint = z.output<typeof pointSchema>;

interface ResolvedPoint {
  table: BankTable;
  address: number;
  type: PointType;
  order: WordOrder;
}

/** Expands `generate` blocks into points. */
function registerBankPoints(options: z.output<typeof registerBankOptionsSchema>): RegisterBankPoint[] {
  const points = [...options.points];
  for (const block of options.generate) {
    const width = block.type === 'bool' ? 1 : registerCount(block.type);
    for (let i = 0; i < block.count; i++) {
      points.push({
        name: `${block.namePrefix}${i}`,
        table: block.table,
        address: block.startAddress + i * width,
        type: block.type,
        value: block.start + i * block.step,
        ...(block.wordOrder === undefined ? {} : { wordOrder: block.wordOrder }),
      });
    }
  }
  return points;
}

/**
 * Holding registers and coils are writable by clients; get() decodes from the memory, so a client's write shows.
 * Points must not overlap; bool points belong in coil/discreteInput tables, numeric ones in holding/input.
 */
export class RegisterBank extends ModbusDevice {
  private readonly resolved: ResolvedPoint[];

  constructor(id: string, rawOptions: RegisterBankOptions) {
    const options = registerBankOptionsSchema.parse(rawOptions);
    const points = registerBankPoints(options);
    super(
      id,
      'register-bank',
      points.map((point) => ({ name: point.name, initial: point.value })),
    );
    const taken = new Map<string, string>();
    this.resolved = points.map((point) => {
      const isBit = point.table === 'coil' || point.table === 'discreteInput';
      if (isBit !== (point.type === 'bool')) {
        throw new SimulatorError(
          'HAZMON_SIM_DEVICE_INVALID',
          `register bank "${id}": point "${point.name}" has type ${point.type} in table ${point.table}; bool goes with coil/discreteInput, numbers with holding/input`,
        );
      }
      const width = point.type === 'bool' ? 1 : registerCount(point.type);
      for (let a = point.address; a < point.address + width; a++) {
        const key = `${point.table}:${a}`;
        const other = taken.get(key);
        if (other !== undefined) {
          throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `register bank "${id}": point "${point.name}" overlaps "${other}" at ${point.table} address ${a}`);
        }
        taken.set(key, point.name);
      }
      const writable = point.table === 'coil' || point.table === 'holding';
      this.table(point.table).define(point.address, width, writable);
      return { table: point.table, address: point.address, type: point.type, order: point.wordOrder ?? options.wordOrder };
    });
    this.resolved.forEach((_, index) => this.encode(index));
  }

  protected override quantityChanged(index: number): void {
    this.encode(index);
  }

  override get(quantity: string): number {
    const point = this.resolved[this.indexOf(quantity)]!;
    if (point.type === 'bool') return (this.table(point.table) as BitTable).get(point.address) ? 1 : 0;
    return decodeRegisters(point.type, point.order, (this.table(point.table) as WordTable).values, point.address);
  }

  override writeCoil(address: number, value: boolean): void {
    this.memory.coils.set(address, value);
  }

  override writeRegister(address: number, value: number): void {
    this.memory.holdingRegisters.set(address, value);
  }

  protected refresh(): void {}

  private encode(index: number): void {
    const point = this.resolved[index]!;
    const value = this.values[index]!;
    if (point.type === 'bool') (this.table(point.table) as BitTable).set(point.address, value !== 0);
    else writeTyped(this.table(point.table) as WordTable, point.address, point.type as RegisterValueType, point.order, value);
  }

  private table(table: BankTable): BitTable | WordTable {
    switch (table) {
      case 'coil':
        return this.memory.coils;
      case 'discreteInput':
        return this.memory.discreteInputs;
      case 'holding':
        return this.memory.holdingRegisters;
      case 'input':
        return this.memory.inputRegisters;
    }
  }
}
