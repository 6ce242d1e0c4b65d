/** The shape every simulated device shares: named physical quantities, physics on simulated time, a Modbus memory. */

import { SimulatorError } from '../errors.ts';
import { ModbusMemory, type ModbusUnit, type WordTable } from '../modbus/memory.ts';
import { encodeRegisters, type RegisterValueType, type WordOrder } from '../word-order.ts';

/** What scenarios and tests drive (contract shared with the OPC UA tank farm). */
export interface SimulatedDevice {
  set(quantity: string, value: number): void;
  get(quantity: string): number;
  /** Moves the device's physics (valve travel, heartbeat, tank inflow) forward by simMs of simulated time. */
  advance(simMs: number): void;
}

export type DeviceModel =
  | 'honeywell-xnx'
  | 'honeywell-midas'
  | 'msa-ultima-x'
  | 'igd-toc-635'
  | 'analog-input-4-20ma'
  | 'tank-gauge'
  | 'shutoff-valve'
  | 'motor-starter'
  | 'dust-collector'
  | 'register-bank';

export interface ModbusSimulatedDevice extends SimulatedDevice, ModbusUnit {
  readonly id: string;
  readonly model: DeviceModel;
  /** Every quantity name set()/get() accept. */
  quantityNames(): readonly string[];
}

export interface QuantityDefinition {
  name: string;
  initial: number;
  /** Derived from the device state (e.g. valve position): get() only. */
  readOnly?: boolean;
}

/**
 * Base for the Modbus devices: quantities live in a Float64Array indexed by name, and refresh() re-encodes
 * them into the Modbus memory after every change, so a read always sees the current state.
 */
export abstract class ModbusDevice implements ModbusSimulatedDevice {
  readonly memory = new ModbusMemory();
  protected readonly values: Float64Array;
  protected simTimeMs = 0;
  private readonly indexByName = new Map<string, number>();
  private readonly definitions: readonly QuantityDefinition[];

  constructor(
    readonly id: string,
    readonly model: DeviceModel,
    quantities: readonly QuantityDefinition[],
  ) {
    this.definitions = quantities;
    this.values = new Float64Array(quantities.length);
    quantities.forEach((quantity, index) => {
      this.indexByName.set(quantity.name, index);
      this.values[index] = quantity.initial;
    });
  }

  quantityNames(): readonly string[] {
    return this.definitions.map((quantity) => quantity.name);
  }

  /** Index of a quantity, for subclasses that keep hot indices. */
  protected indexOf(quantity: string): number {
    const index = this.indexByName.get(quantity);
    if (index === undefined) {
      throw new SimulatorError('HAZMON_SIM_QUANTITY_UNKNOWN', `device "${this.id}" (${this.model}) has no quantity "${quantity}"; known: ${this.quantityNames().join(', ')}`);
    }
    return index;
  }

  set(quantity: string, value: number): void {
    const index = this.indexOf(quantity);
    if (this.definitions[index]!.readOnly === true) {
      throw new SimulatorError('HAZMON_SIM_QUANTITY_READ_ONLY', `device "${this.id}" (${this.model}): quantity "${quantity}" is derived and cannot be set`);
    }
    if (!Number.isFinite(value)) {
      throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `device "${this.id}" (${this.model}): quantity "${quantity}" needs a finite number, got ${value}`);
    }
    this.values[index] = value;
    this.quantityChanged(index);
    this.refresh();
  }

  get(quantity: string): number {
    return this.values[this.indexOf(quantity)]!;
  }

  advance(simMs: number): void {
    this.simTimeMs += simMs;
    this.step(simMs);
    this.refresh();
  }

  writeCoil(address: number, value: boolean): void {
    this.memory.coils.set(address, value);
    this.refresh();
  }

  writeRegister(address: number, value: number): void {
    this.memory.holdingRegisters.set(address, value);
    this.refresh();
  }

  /** Reacts to set() before the refresh (e.g. a valve command). */
  protected quantityChanged(_index: number): void {}

  /** Physics over simMs of simulated time. */
  protected step(_simMs: number): void {}

  /** Re-encodes the state into the Modbus memory. */
  protected abstract refresh(): void;

  protected flag(index: number): boolean {
    return this.values[index] !== 0;
  }
}

export function writeTyped(table: WordTable, address: number, type: RegisterValueType, order: WordOrder, value: number): void {
  encodeRegisters(type, order, value, table.values, address);
}

/** Quantities `channel<N>.<field>` for N = 1..count; index = (N-1) * fields.length + field index. */
export function channelQuantities(count: number, fields: readonly QuantityDefinition[]): QuantityDefinition[] {
  const out: QuantityDefinition[] = [];
  for (let channel = 1; channel <= count; channel++) {
    for (const field of fields) out.push({ ...field, name: `channel${channel}.${field.name}` });
  }
  return out;
}
