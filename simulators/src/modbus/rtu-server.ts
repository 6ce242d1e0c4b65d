/** Modbus RTU slaves on one serial line: several unit ids answer on one path, one request at a time. */

import { SerialPort } from 'serialport';
import { SimulatorError } from '../errors.ts';
import { MAX_PDU_LENGTH } from './pdu.ts';
import { appendCrc, expectedRequestLength, hasValidCrc, interFrameSilenceMs, type SerialFormat } from './rtu-framing.ts';
import { ResponseAction, TRUNCATED_BYTES, type ModbusUnitHost, type ResponseOutcome } from './unit-host.ts';

export interface ModbusRtuServerOptions extends Partial<SerialFormat> {
  path: string;
  /**
   * Lowest silence (ms) that discards a partial frame. A pty on a loaded host delivers bytes in bursts with
   * gaps far above 3.5 character times, so the default floor is 20 ms; the real t3.5 applies when larger.
   */
  minSilenceMs?: number;
}

export interface RunningModbusRtuServer {
  readonly path: string;
  readonly format: SerialFormat;
  readonly units: ModbusUnitHost;
  /** Frames dropped because their CRC did not match. */
  crcErrors(): number;
  close(): Promise<void>;
}

const BROADCAST = 0;

export async function startModbusRtuServer(units: ModbusUnitHost, options: ModbusRtuServerOptions): Promise<RunningModbusRtuServer> {
  const format: SerialFormat = {
    baudRate: options.baudRate ?? 19200,
    parity: options.parity ?? 'even',
    dataBits: options.dataBits ?? 8,
    stopBits: options.stopBits ?? 1,
  };
  const port = new SerialPort({ path: options.path, ...format, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((error) => (error ? reject(new SimulatorError('HAZMON_SIM_SERIAL_FAILED', `cannot open serial line "${options.path}": ${error.message}`)) : resolve())),
  );
  const silenceMs = Math.max(interFrameSilenceMs(format), options.minSilenceMs ?? 20);
  const pending = Buffer.alloc(512);
  let pendingLength = 0;
  let crcErrors = 0;
  let silenceTimer: NodeJS.Timeout | null = null;
  const scratch = Buffer.alloc(1 + MAX_PDU_LENGTH + 2);
  const outcome: ResponseOutcome = { action: ResponseAction.Respond, length: 0 };

  const answer = (start: number, length: number): void => {
    if (!hasValidCrc(pending, start, length)) {
      crcErrors++;
      return;
    }
    const unitId = pending[start]!;
    units.process(unitId, pending, start + 1, length - 3, scratch, 1, outcome);
    if (unitId === BROADCAST) return; // broadcasts are never answered
    if (outcome.action === ResponseAction.NoAnswer || outcome.action === ResponseAction.CloseConnection) return;
    const frameLength = 1 + outcome.length + 2;
    const response = Buffer.allocUnsafe(frameLength); // port.write holds the buffer until sent
    scratch[0] = unitId;
    scratch.copy(response, 0, 0, 1 + outcome.length);
    appendCrc(response, frameLength);
    if (outcome.action === ResponseAction.RespondGarbled) response[frameLength - 1]! ^= 0xff;
    port.write(outcome.action === ResponseAction.RespondTruncated ? response.subarray(0, frameLength - TRUNCATED_BYTES) : response);
  };

  const consumeFrames = (): void => {
    let offset = 0;
    for (;;) {
      const length = expectedRequestLength(pending, offset, pendingLength - offset);
      if (length <= 0 || pendingLength - offset < length) break;
      answer(offset, length);
      offset += length;
    }
    pending.copyWithin(0, offset, pendingLength);
    pendingLength -= offset;
  };

  const onSilence = (): void => {
    silenceTimer = null;
    // A frame whose length the function code does not tell ends here; anything else left is a broken frame.
    if (pendingLength > 0 && expectedRequestLength(pending, 0, pendingLength) === -1) answer(0, pendingLength);
    pendingLength = 0;
  };

  port.on('data', (chunk: Buffer) => {
    if (silenceTimer !== null) clearTimeout(silenceTimer);
    if (pendingLength + chunk.length > pending.length) {
      // Longer than any legal frame: line noise. Start over with this chunk (or drop it if it alone is too long).
      pendingLength = 0;
      if (chunk.length > pending.length) return;
    }
    chunk.copy(pending, pendingLength);
    pendingLength += chunk.length;
    consumeFrames();
    if (pendingLength > 0) silenceTimer = setTimeout(onSilence, silenceMs);
  });

  return {
    path: options.path,
    format,
    units,
    crcErrors: () => crcErrors,
    close: () =>
      new Promise<void>((resolve) => {
        if (silenceTimer !== null) clearTimeout(silenceTimer);
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}
