/** A serial (RTU) line's client: modbus-serial's, on a buffered serial port; its errors mapped onto reason codes. */
import modbusSerial from 'modbus-serial';
import { messageOf } from '@hazmon/errors';
import type { ClientAnswered, ClientFailure, ClientRequest, LineClient } from './line-client.ts';
import { exceptionFailure } from './line-client.ts';

/** The serial settings of an RTU line; unset ones fall back to the Modbus serial-line defaults (19200 baud, even parity, 8 data bits). */
export interface SerialClientOptions {
  readonly path: string;
  readonly baudRate?: number;
  readonly parity?: 'none' | 'even' | 'odd';
  readonly dataBits?: 7 | 8;
  readonly stopBits?: 1 | 2;
  /** No answer within this is a timeout. */
  readonly timeoutMs: number;
}

// modbus-serial is CommonJS; under NodeNext its class is the default export's `default`.
const ModbusClient = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusClient>;
type Callback = (error: unknown, result: unknown) => void;

export class SerialClient implements LineClient {
  private readonly client: ModbusClient = new ModbusClient();

  constructor(
    private readonly options: SerialClientOptions,
    private readonly answered: ClientAnswered,
  ) {
    this.client.setTimeout(options.timeoutMs);
  }

  open(): Promise<void> {
    const { path, baudRate, parity, dataBits, stopBits } = this.options;
    return this.client.connectRTUBuffered(path, { baudRate: baudRate ?? 19200, parity: parity ?? 'even', dataBits: dataBits ?? 8, stopBits: stopBits ?? 1 });
  }

  onLost(listener: (why: string) => void): void {
    this.client.on('close', () => listener('connection closed by peer'));
    this.client.on('error', (error: unknown) => listener(messageOf(error)));
  }

  send(request: ClientRequest): void {
    const { client } = this;
    const { unitId, address, quantity, payload, functionCode } = request;
    const callback: Callback = (error, result) => {
      if (error) return this.answered(classify(error, this.options.timeoutMs), null, null, request);
      const { data, buffer } = result as { data?: unknown; buffer?: Buffer };
      this.answered(null, functionCode === 3 || functionCode === 4 ? (buffer ?? null) : null, functionCode === 1 || functionCode === 2 ? (data as boolean[]) : null, request);
    };
    switch (functionCode) {
      case 1:
        return client.writeFC1(unitId, address, quantity, callback);
      case 2:
        return client.writeFC2(unitId, address, quantity, callback);
      case 3:
        return client.writeFC3(unitId, address, quantity, callback);
      case 4:
        return client.writeFC4(unitId, address, quantity, callback);
      case 5:
        return client.writeFC5(unitId, address, payload as boolean, callback);
      case 6:
        return client.writeFC6(unitId, address, payload as number, callback);
      case 15:
        return client.writeFC15(unitId, address, [...(payload as boolean[])], callback);
      case 16:
        return client.writeFC16(unitId, address, [...(payload as number[])], callback);
    }
  }

  cork(): void {
    // One request at a time on a serial line: nothing to gather.
  }

  uncork(): void {
    // As cork.
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.client.close(() => resolve()));
  }

  destroy(): void {
    this.client.destroy(() => undefined);
  }
}

/** Maps a modbus-serial error onto a reason code: exception, timeout, frame or connection. */
function classify(error: unknown, timeoutMs: number): ClientFailure {
  const record = (error ?? {}) as { modbusCode?: unknown; errno?: unknown };
  if (typeof record.modbusCode === 'number') return exceptionFailure(record.modbusCode);
  if (record.errno === 'ETIMEDOUT') return { code: 'timeout', detail: `timeout after ${timeoutMs} ms` };
  const message = messageOf(error);
  if (record.errno === 'ECONNREFUSED' || /Port Not Open/i.test(message)) return { code: 'connection', detail: message };
  return { code: 'frame', detail: message };
}
