/**
 * The Modbus TCP client of one line's connection: MBAP frames parsed from the socket's reads into buffers the client
 * keeps, one timer re-armed per request, and each answer checked before its bytes are handed on.
 *
 * Why not modbus-serial's client here (it stays for serial lines): it is built around RTU frames, so every TCP answer
 * cost a new frame with a CRC-16 added by our port only for the client to compute it again, an array of every
 * register's value beside the bytes, a timer, a transaction record and closures per request, and the port's joins of
 * partial reads. At the agent bench's 1,600 answers a second that garbage and work were most of the poll path
 * (bench/RESULTS.md, agent throughput). Here an answer's registers are a view of the bytes read, valid during the
 * callback.
 *
 * What is refused, never taken for data: an MBAP length no Modbus frame has (the stream is out of step: the line
 * reconnects), a protocol id other than Modbus' 0, an answer from another unit or function, a byte count or length
 * that does not fit the request. An answer to an earlier transaction (late, after its timeout) is dropped.
 *
 * @example
 * const client = new ModbusTcpClient({ host, port: 502, timeoutMs: 1000 }, (failure, registers) => (failure ? report(failure) : decode(registers)));
 * await client.open();
 * client.send({ unitId: 1, functionCode: 3, address: 0, quantity: 125 });
 */
import net from 'node:net';
import type { ClientAnswered, ClientFailure, ClientRequest, LineClient } from './line-client.ts';
import { exceptionFailure } from './line-client.ts';

/** Transaction id, protocol id, length; the length counts the unit id and the PDU after them. */
const MBAP_HEADER = 6;
const MODBUS_PROTOCOL_ID = 0;
/** Unit id + function code at least; unit id + the largest PDU (253 bytes) at most. */
const MIN_LENGTH_FIELD = 2;
const MAX_LENGTH_FIELD = 254;
const MAX_FRAME = MBAP_HEADER + MAX_LENGTH_FIELD;
/** A read's size: several answers' worth, though one request is in flight at a time. */
const READ_BUFFER_BYTES = 4096;
const EXCEPTION_FLAG = 0x80;

export interface ModbusTcpClientOptions {
  readonly host: string;
  readonly port: number;
  /** A connect or an answer that has not come within this fails. */
  readonly timeoutMs: number;
}

export class ModbusTcpClient implements LineClient {
  private readonly socket: net.Socket;
  private connected = false;
  /** An answer split over reads is gathered here. */
  private readonly partial = Buffer.allocUnsafe(MAX_FRAME);
  private partialLength = 0;
  private readonly timer: NodeJS.Timeout;
  /** The request waiting for its answer (null: none; an answer then is late and dropped). */
  private waiting: ClientRequest | null = null;
  private transactionId = 0;
  /** Why the byte stream is out of step (a frame's length no frame has): every request fails with it. */
  private outOfStep: string | null = null;
  private lostListener: (why: string) => void = () => undefined;
  /** The socket's last error, which says why it closed. */
  private lastError: string | null = null;

  constructor(
    private readonly options: ModbusTcpClientOptions,
    private readonly answered: ClientAnswered,
  ) {
    // Reads land in one buffer of the client's (Node's `onread`, taken by the constructor though @types/node lists it
    // for connect only, where Node ignores it): no Buffer per read.
    const onread: net.OnReadOpts = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (length, buffer) => {
        this.onRead(buffer as Buffer, length);
        return true;
      },
    };
    this.socket = new net.Socket({ onread } as net.SocketConstructorOpts);
    this.socket.on('close', () => {
      if (!this.connected) return;
      this.connected = false;
      this.stopWaiting();
      this.lostListener(this.lastError ?? 'connection closed by peer');
    });
    // Errors end in 'close' (reported above, with the error) or fail the connect (reported by open).
    this.socket.on('error', (error) => {
      this.lastError = error.message;
    });
    // Re-armed by each request (refresh: no new timer); when it fires with nothing waiting it does nothing.
    this.timer = setTimeout(() => this.timedOut(), options.timeoutMs);
  }

  onLost(listener: (why: string) => void): void {
    this.lostListener = listener;
  }

  open(): Promise<void> {
    const { host, port, timeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        this.socket.off('connect', succeeded);
        this.socket.setTimeout(0);
        this.socket.destroy();
        reject(error);
      };
      const succeeded = () => {
        this.socket.off('error', failed);
        this.socket.setTimeout(0);
        this.socket.setNoDelay(true);
        this.connected = true;
        resolve();
      };
      this.socket.once('error', failed);
      this.socket.once('connect', succeeded);
      this.socket.setTimeout(timeoutMs, () => failed(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`)));
      this.socket.connect({ host, port });
    });
  }

  close(): Promise<void> {
    this.stopWaiting();
    clearTimeout(this.timer);
    // Closed by the line, not lost: the close that follows is not reported.
    this.connected = false;
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  destroy(): void {
    this.stopWaiting();
    clearTimeout(this.timer);
    this.connected = false;
    this.socket.destroy();
  }

  send(request: ClientRequest): void {
    if (!this.connected) return this.answered({ code: 'connection', detail: 'Port Not Open' }, null, null);
    this.transactionId = (this.transactionId + 1) & 0xffff;
    if (this.outOfStep !== null) return this.answered({ code: 'frame', detail: this.outOfStep }, null, null);
    const frame = requestFrame(this.transactionId, request);
    if (typeof frame === 'string') return this.answered({ code: 'frame', detail: frame }, null, null);
    this.waiting = request;
    this.timer.refresh();
    // socket.write keeps the buffer until it is sent: each request has its own (a few bytes).
    this.socket.write(frame);
  }

  private stopWaiting(): void {
    this.waiting = null;
  }

  private timedOut(): void {
    if (this.waiting === null) return;
    this.waiting = null;
    this.answered({ code: 'timeout', detail: `timeout after ${this.options.timeoutMs} ms` }, null, null);
  }

  private onRead(buffer: Buffer, length: number): void {
    if (this.outOfStep !== null) return;
    let at = 0;
    if (this.partialLength > 0) {
      at = this.gather(buffer, 0, length);
      if (!this.partialWhole()) return;
      const frameLength = this.partialLength;
      this.partialLength = 0;
      if (!this.frame(this.partial, 0, frameLength)) return;
    }
    while (at < length) {
      const left = length - at;
      if (left >= MBAP_HEADER) {
        const lengthField = buffer.readUInt16BE(at + 4);
        // A bad length is refused as soon as the header is whole, not awaited.
        if (!lengthFieldFits(lengthField) || left >= MBAP_HEADER + lengthField) {
          const frameLength = MBAP_HEADER + lengthField;
          if (!this.frame(buffer, at, frameLength)) return;
          at += frameLength;
          continue;
        }
      }
      this.gather(buffer, at, length);
      return;
    }
  }

  /** The gathered frame is whole, or its header says a length no frame has. */
  private partialWhole(): boolean {
    if (this.partialLength < MBAP_HEADER) return false;
    const lengthField = this.partial.readUInt16BE(4);
    return !lengthFieldFits(lengthField) || this.partialLength === MBAP_HEADER + lengthField;
  }

  /** Copies bytes [from, to) into the partial frame up to its end (once its header says it); returns where it stopped. */
  private gather(buffer: Buffer, from: number, to: number): number {
    let at = from;
    if (this.partialLength < MBAP_HEADER) {
      const header = Math.min(MBAP_HEADER - this.partialLength, to - at);
      buffer.copy(this.partial, this.partialLength, at, at + header);
      this.partialLength += header;
      at += header;
      if (this.partialLength < MBAP_HEADER) return at;
    }
    const lengthField = this.partial.readUInt16BE(4);
    if (!lengthFieldFits(lengthField)) return at;
    const body = Math.min(MBAP_HEADER + lengthField - this.partialLength, to - at);
    buffer.copy(this.partial, this.partialLength, at, at + body);
    this.partialLength += body;
    return at + body;
  }

  /** One whole frame at [at, at + frameLength); false when the stream is out of step (nothing more is read from it). */
  private frame(bytes: Buffer, at: number, frameLength: number): boolean {
    const transactionId = bytes.readUInt16BE(at);
    const protocolId = bytes.readUInt16BE(at + 2);
    const lengthField = bytes.readUInt16BE(at + 4);
    if (!lengthFieldFits(lengthField)) {
      // Nothing says where the next frame starts: nothing more is read, and the request now or next fails with this
      // frame error, on which the line reconnects.
      this.partialLength = 0;
      this.outOfStep = `frame refused: MBAP length ${lengthField} is outside ${MIN_LENGTH_FIELD}..${MAX_LENGTH_FIELD} (transaction ${transactionId})`;
      this.fail('frame', this.outOfStep);
      return false;
    }
    const job = this.waiting;
    if (job === null || transactionId !== this.transactionId) return true;
    if (protocolId !== MODBUS_PROTOCOL_ID) {
      this.fail('frame', `frame refused: MBAP protocol id ${protocolId}, not Modbus (0), in the answer to transaction ${transactionId}`);
      return true;
    }
    const unitId = bytes[at + MBAP_HEADER]!;
    const functionCode = bytes[at + MBAP_HEADER + 1]!;
    const pduLength = frameLength - MBAP_HEADER - 1;
    if (unitId !== job.unitId) return this.failed(`answer from unit ${unitId}, expected unit ${job.unitId}`);
    if (functionCode === (EXCEPTION_FLAG | job.functionCode) && pduLength === 2) {
      const code = bytes[at + MBAP_HEADER + 2]!;
      this.stopWaiting();
      this.answered(exceptionFailure(code), null, null);
      return true;
    }
    if (functionCode !== job.functionCode) return this.failed(`answer with function ${functionCode}, expected ${job.functionCode}`);
    const expected = answerLength(job);
    if (pduLength !== expected) return this.failed(`answer of ${pduLength} bytes after the unit id, expected ${expected}`);
    const data = at + MBAP_HEADER + 3;
    if (job.functionCode === 3 || job.functionCode === 4) {
      if (bytes[data - 1] !== job.quantity * 2) return this.failed(`byte count ${bytes[data - 1]}, expected ${job.quantity * 2}`);
      this.stopWaiting();
      this.answered(null, bytes.subarray(data, data + job.quantity * 2), null);
    } else if (job.functionCode === 1 || job.functionCode === 2) {
      const bits: boolean[] = [];
      for (let bit = 0; bit < job.quantity; bit++) bits.push(((bytes[data + (bit >> 3)]! >> (bit & 7)) & 1) === 1);
      this.stopWaiting();
      this.answered(null, null, bits);
    } else {
      this.stopWaiting();
      this.answered(null, null, null);
    }
    return true;
  }

  /** The request in flight got a wrong answer: a frame error (the stream is still in step). */
  private failed(detail: string): true {
    this.fail('frame', `unexpected answer: ${detail}`);
    return true;
  }

  private fail(code: ClientFailure['code'], detail: string): void {
    if (this.waiting === null) return;
    this.stopWaiting();
    this.answered({ code, detail }, null, null);
  }
}

const lengthFieldFits = (lengthField: number) => lengthField >= MIN_LENGTH_FIELD && lengthField <= MAX_LENGTH_FIELD;

/** Bytes after the unit id of a good answer: function code, then byte count and data, or the echoed address and value. */
function answerLength(job: ClientRequest): number {
  switch (job.functionCode) {
    case 1:
    case 2:
      return 2 + Math.ceil(job.quantity / 8);
    case 3:
    case 4:
      return 2 + job.quantity * 2;
    default:
      return 5;
  }
}

/** The request's MBAP frame, or why it cannot be sent (a payload that does not fit its function). */
function requestFrame(transactionId: number, job: ClientRequest): Buffer | string {
  const { functionCode, unitId, address, quantity, payload } = job;
  const words = functionCode === 16 ? (payload as readonly number[]) : null;
  const coils = functionCode === 15 ? (payload as readonly boolean[]) : null;
  const dataBytes = words ? 5 + words.length * 2 : coils ? 5 + Math.ceil(coils.length / 8) : 4;
  // From Node's pool (no ArrayBuffer of its own); every byte is written below.
  const frame = Buffer.allocUnsafe(MBAP_HEADER + 2 + dataBytes);
  frame.writeUInt16BE(transactionId, 0);
  frame.writeUInt16BE(MODBUS_PROTOCOL_ID, 2);
  frame.writeUInt16BE(2 + dataBytes, 4);
  frame[6] = unitId;
  frame[7] = functionCode;
  frame.writeUInt16BE(address, 8);
  switch (functionCode) {
    case 5:
      frame.writeUInt16BE(payload === true ? 0xff00 : 0x0000, 10);
      break;
    case 6:
      if (typeof payload !== 'number' || !Number.isInteger(payload) || payload < 0 || payload > 0xffff) return `register value ${String(payload)} is not a 16-bit word`;
      frame.writeUInt16BE(payload, 10);
      break;
    case 15:
      frame.writeUInt16BE(coils!.length, 10);
      frame[12] = Math.ceil(coils!.length / 8);
      frame.fill(0, 13);
      coils!.forEach((on, bit) => {
        if (on) frame[13 + (bit >> 3)]! |= 1 << (bit & 7);
      });
      break;
    case 16:
      frame.writeUInt16BE(words!.length, 10);
      frame[12] = words!.length * 2;
      for (const [i, word] of words!.entries()) {
        if (!Number.isInteger(word) || word < 0 || word > 0xffff) return `register value ${word} is not a 16-bit word`;
        frame.writeUInt16BE(word, 13 + i * 2);
      }
      break;
    default:
      frame.writeUInt16BE(quantity, 10);
  }
  return frame;
}
