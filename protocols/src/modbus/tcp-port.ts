/**
 * The Modbus TCP transport under modbus-serial's client, in place of its own TcpPort, which passes any frame on as
 * an answer: one with an MBAP protocol id other than 0 is not Modbus, and one whose length field no Modbus frame
 * can have leaves the byte stream out of step. Both are refused here and reported, never handed over as data.
 *
 * @example
 * const port = new ScreenedTcpPort({ host, port: 502, connectTimeoutMs: 1000 }, (detail) => failInFlight(detail));
 * const client = new ModbusRTU(port);
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';

/** Transaction id, protocol id and length; the length counts the unit id and the PDU after them. */
const MBAP_HEADER = 6;
const MODBUS_PROTOCOL_ID = 0;
/** Unit id + function code at least; unit id + the largest PDU (253 bytes) at most. */
const MIN_LENGTH_FIELD = 2;
const MAX_LENGTH_FIELD = 254;
const CRC_LENGTH = 2;
/** modbus-serial keys its pending transactions by id modulo this, as its own TcpPort does. */
const TRANSACTION_IDS = 256;

export interface ScreenedTcpPortOptions {
  readonly host: string;
  readonly port: number;
  /** A connect that has not completed within this fails. */
  readonly connectTimeoutMs: number;
}

/** The port interface modbus-serial's client drives: open, close, destroy, isOpen, write; emits data and close. */
export class ScreenedTcpPort extends EventEmitter {
  /** The transaction the frame being emitted answers; modbus-serial reads it on each `data` event. */
  _transactionIdRead = 1;
  /** The transaction id the next request gets; modbus-serial reads it to file the request. */
  _transactionIdWrite = 1;
  private readonly socket = new net.Socket();
  private connected = false;
  private received: Buffer = Buffer.alloc(0);

  constructor(
    private readonly options: ScreenedTcpPortOptions,
    /** A frame refused: what it was (the client's pending request is not answered by it). */
    private readonly refused: (detail: string) => void,
  ) {
    super();
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('close', () => {
      if (!this.connected) return;
      this.connected = false;
      this.emit('close');
    });
    // Errors end in 'close' (reported above) or fail the connect (reported by open).
    this.socket.on('error', () => undefined);
  }

  get isOpen(): boolean {
    return this.connected;
  }

  open(callback: (error?: Error) => void): void {
    const { host, port, connectTimeoutMs } = this.options;
    const failed = (error: Error) => {
      this.socket.off('connect', succeeded);
      this.socket.setTimeout(0);
      this.socket.destroy();
      callback(error);
    };
    const succeeded = () => {
      this.socket.off('error', failed);
      this.socket.setTimeout(0);
      this.socket.setNoDelay(true);
      this.connected = true;
      callback();
    };
    this.socket.once('error', failed);
    this.socket.once('connect', succeeded);
    this.socket.setTimeout(connectTimeoutMs, () => failed(new Error(`TCP connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`)));
    this.socket.connect({ host, port });
  }

  close(callback: () => void): void {
    if (this.socket.destroyed) return callback();
    this.socket.once('close', () => callback());
    this.socket.end();
  }

  destroy(callback?: () => void): void {
    this.socket.destroy();
    callback?.();
  }

  /** `data` is an RTU frame (unit id, PDU, CRC) as modbus-serial builds it: sent as MBAP + unit id + PDU. */
  write(data: Buffer): void {
    const length = data.length - CRC_LENGTH;
    const frame = Buffer.alloc(MBAP_HEADER + length);
    frame.writeUInt16BE(this._transactionIdWrite, 0);
    frame.writeUInt16BE(MODBUS_PROTOCOL_ID, 2);
    frame.writeUInt16BE(length, 4);
    data.copy(frame, MBAP_HEADER, 0, length);
    this.socket.write(frame);
    this._transactionIdWrite = (this._transactionIdWrite + 1) % TRANSACTION_IDS;
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    while (this.received.length >= MBAP_HEADER) {
      const transactionId = this.received.readUInt16BE(0);
      const protocolId = this.received.readUInt16BE(2);
      const length = this.received.readUInt16BE(4);
      if (length < MIN_LENGTH_FIELD || length > MAX_LENGTH_FIELD) {
        // Nothing says where the next frame starts: what is buffered is dropped; the line reconnects on the report.
        this.received = Buffer.alloc(0);
        return this.refused(`MBAP length ${length} is outside ${MIN_LENGTH_FIELD}..${MAX_LENGTH_FIELD} (transaction ${transactionId})`);
      }
      if (this.received.length < MBAP_HEADER + length) return;
      const body = this.received.subarray(MBAP_HEADER, MBAP_HEADER + length);
      this.received = this.received.subarray(MBAP_HEADER + length);
      if (protocolId !== MODBUS_PROTOCOL_ID) {
        this.refused(`MBAP protocol id ${protocolId}, not Modbus (0), in the answer to transaction ${transactionId}`);
        continue;
      }
      const frame = Buffer.alloc(length + CRC_LENGTH);
      body.copy(frame);
      frame.writeUInt16LE(crc16(frame, length), length);
      this._transactionIdRead = transactionId;
      this.emit('data', frame);
    }
  }
}

const CRC_TABLE = new Uint16Array(256).map((_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  return crc;
});

/** Modbus CRC-16 of bytes [0, end): modbus-serial checks one on every frame, so TCP frames get theirs here. */
function crc16(bytes: Buffer, end: number): number {
  let crc = 0xffff;
  for (let i = 0; i < end; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}
