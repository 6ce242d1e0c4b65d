/** In-process Modbus servers for this package's tests and benchmark: TCP on 127.0.0.1 (ephemeral port) and RTU on a pty. */
import modbusSerial from 'modbus-serial';
import type { Table } from './point.ts';

/** One unit id's memory: 65536 of each table, all zero at start. */
export interface UnitImage {
  readonly holding: Uint16Array;
  readonly input: Uint16Array;
  readonly coil: Uint8Array;
  readonly discrete_input: Uint8Array;
}

/** One register read the server saw (bit reads are served per bit by modbus-serial and are not logged). */
export interface LoggedRead {
  readonly unitId: number;
  readonly table: 'holding' | 'input';
  readonly address: number;
  readonly quantity: number;
}

/** The simulated memory and fault switches behind a test server. */
export interface TestMemory {
  unit(unitId: number): UnitImage;
  /** Units that never answer (requests to them time out). */
  readonly silentUnits: Set<number>;
  /** `unit:table:address` -> exception code answered for any read or write touching that address. */
  readonly exceptions: Map<string, number>;
  /** Writes to these `unit:table:address` keys are acknowledged but not stored (for read-back mismatches). */
  readonly ignoredWrites: Set<string>;
  readonly reads: LoggedRead[];
}

export interface TestServer extends TestMemory {
  readonly port: number;
  /** Destroys every open client socket (the server keeps listening). */
  dropConnections(): void;
  close(): Promise<void>;
}

export function exceptionKey(unitId: number, table: Table, address: number): string {
  return `${unitId}:${table}:${address}`;
}

type Reply<T> = (error: Error | null, value: T) => void;

/** The memory plus the modbus-serial service vector that serves it. */
function createTestMemory(): { memory: TestMemory; vector: object } {
  const units = new Map<number, UnitImage>();
  const silentUnits = new Set<number>();
  const exceptions = new Map<string, number>();
  const ignoredWrites = new Set<string>();
  const reads: LoggedRead[] = [];
  const unit = (unitId: number): UnitImage => {
    let image = units.get(unitId);
    if (!image) {
      image = { holding: new Uint16Array(65536), input: new Uint16Array(65536), coil: new Uint8Array(65536), discrete_input: new Uint8Array(65536) };
      units.set(unitId, image);
    }
    return image;
  };
  // Callback style throughout: modbus-serial's promise path cannot answer an exception for a multi-register read.
  // Returns true when the request has been dealt with (silence or an exception).
  const refused = (unitId: number, table: Table, address: number, quantity: number, reply: Reply<never>): boolean => {
    if (silentUnits.has(unitId)) return true;
    for (let a = address; a < address + quantity; a++) {
      const code = exceptions.get(exceptionKey(unitId, table, a));
      if (code !== undefined) {
        reply(Object.assign(new Error('test exception'), { modbusErrorCode: code }), undefined as never);
        return true;
      }
    }
    return false;
  };
  const readRegisters = (table: 'holding' | 'input') => (address: number, quantity: number, unitId: number, reply: Reply<number[]>) => {
    reads.push({ unitId, table, address, quantity });
    if (!refused(unitId, table, address, quantity, reply)) reply(null, Array.from(unit(unitId)[table].subarray(address, address + quantity)));
  };
  const readRegister = (table: 'holding' | 'input') => (address: number, unitId: number, reply: Reply<number>) =>
    readRegisters(table)(address, 1, unitId, (error, values) => reply(error, values?.[0] ?? 0));
  const readBit = (table: 'coil' | 'discrete_input') => (address: number, unitId: number, reply: Reply<boolean>) => {
    if (!refused(unitId, table, address, 1, reply)) reply(null, unit(unitId)[table][address] === 1);
  };
  const write =
    <T>(table: 'holding' | 'coil', store: (image: UnitImage, address: number, value: T) => void) =>
    (address: number, value: T, unitId: number, reply: (error: Error | null) => void) => {
      if (refused(unitId, table, address, 1, reply)) return;
      if (!ignoredWrites.has(exceptionKey(unitId, table, address))) store(unit(unitId), address, value);
      reply(null);
    };
  const vector = {
    getHoldingRegister: readRegister('holding'),
    getInputRegister: readRegister('input'),
    getMultipleHoldingRegisters: readRegisters('holding'),
    getMultipleInputRegisters: readRegisters('input'),
    getCoil: readBit('coil'),
    getDiscreteInput: readBit('discrete_input'),
    setRegister: write<number>('holding', (image, address, value) => (image.holding[address] = value)),
    setCoil: write<boolean>('coil', (image, address, value) => (image.coil[address] = value ? 1 : 0)),
  };
  return { memory: { unit, silentUnits, exceptions, ignoredWrites, reads }, vector };
}

/** Starts a Modbus TCP server on 127.0.0.1 and resolves once it listens. */
export async function startTestServer(): Promise<TestServer> {
  const { memory, vector } = createTestMemory();
  // modbus-serial treats port 0 as "use 502"; the string '0' reaches net.listen and picks a free port.
  const server = new modbusSerial.ServerTCP(vector, { host: '127.0.0.1', port: '0' as unknown as number });
  const internal = server as unknown as { _server: import('node:net').Server };
  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('serverError', (error: Error | null) => reject(error ?? new Error('server error')));
  });
  const address = internal._server.address();
  if (!address || typeof address === 'string') throw new Error('test server did not bind a TCP port');
  return {
    ...memory,
    port: address.port,
    dropConnections: () => {
      for (const socket of server.socks.keys()) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface TestRtuServer extends TestMemory {
  close(): Promise<void>;
}

/** Starts a Modbus RTU slave set (any unit id) on a serial path, e.g. one end of a socat pty pair. */
export async function startTestRtuServer(path: string): Promise<TestRtuServer> {
  const { memory, vector } = createTestMemory();
  const ServerSerial = modbusSerial.ServerSerial;
  const server = new ServerSerial(vector as never, { path, baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1 });
  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('error', (error: Error | null) => reject(error ?? new Error('serial server error')));
  });
  return { ...memory, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
