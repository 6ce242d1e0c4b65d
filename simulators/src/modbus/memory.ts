/** The Modbus data model of one unit: four tables of defined, optionally writable addresses. */

const DEFINED = 1;
const WRITABLE = 2;
const ADDRESS_SPACE = 0x10000;

/** One table: values plus per-address flags; undefined addresses answer "illegal data address". */
class Table<TValues extends Uint8Array | Uint16Array> {
  values: TValues;
  flags: Uint8Array;

  constructor(private readonly make: (size: number) => TValues) {
    this.values = make(0);
    this.flags = new Uint8Array(0);
  }

  /** Makes [address, address+count) readable (and writable when asked); grows storage once at set-up. */
  define(address: number, count: number, writable: boolean): void {
    const end = address + count;
    if (!Number.isInteger(address) || address < 0 || count < 1 || end > ADDRESS_SPACE) {
      throw new RangeError(`Modbus address range ${address}+${count} is outside 0..65535`);
    }
    if (end > this.flags.length) {
      // Grow geometrically: a bank of a thousand points defines a thousand ranges at set-up.
      const size = Math.max(end, Math.min(ADDRESS_SPACE, this.flags.length * 2));
      const values = this.make(size);
      values.set(this.values);
      const flags = new Uint8Array(size);
      flags.set(this.flags);
      this.values = values;
      this.flags = flags;
    }
    this.flags.fill(writable ? DEFINED | WRITABLE : DEFINED, address, end);
  }

  isDefined(address: number, count: number): boolean {
    return this.allHave(address, count, DEFINED);
  }

  isWritable(address: number, count: number): boolean {
    return this.allHave(address, count, WRITABLE);
  }

  private allHave(address: number, count: number, flag: number): boolean {
    const end = address + count;
    if (end > this.flags.length) return false;
    for (let i = address; i < end; i++) if ((this.flags[i]! & flag) === 0) return false;
    return true;
  }
}

export class BitTable extends Table<Uint8Array> {
  constructor() {
    super((size) => new Uint8Array(size));
  }

  get(address: number): boolean {
    return this.values[address] === 1;
  }

  set(address: number, value: boolean): void {
    this.values[address] = value ? 1 : 0;
  }
}

export class WordTable extends Table<Uint16Array> {
  constructor() {
    super((size) => new Uint16Array(size));
  }

  get(address: number): number {
    return this.values[address] ?? 0;
  }

  set(address: number, value: number): void {
    this.values[address] = value;
  }
}

export class ModbusMemory {
  readonly coils = new BitTable();
  readonly discreteInputs = new BitTable();
  readonly holdingRegisters = new WordTable();
  readonly inputRegisters = new WordTable();
}

/** What a Modbus server needs from a simulated unit: its memory, and how it reacts to writes. */
export interface ModbusUnit {
  readonly memory: ModbusMemory;
  /** Called for each coil written by FC05/FC15; the address is already checked writable. */
  writeCoil(address: number, value: boolean): void;
  /** Called for each register written by FC06/FC16; the address is already checked writable. */
  writeRegister(address: number, value: number): void;
}
