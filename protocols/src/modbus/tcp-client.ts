/**
 * The Modbus TCP client of one line's connection: MBAP frames parsed from the socket's reads into buffers the client
 * keeps, as many requests out at once as the line sends (its `maxInFlight`), each answer paired with its request by
 * the MBAP transaction id and checked before its bytes are handed on.
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
import { takeSlot } from './slots.ts';

/** Transaction id, protocol id, length; the length counts the unit id and the PDU after them. */
const MBAP_HEADER = 6;
const MODBUS_PROTOCOL_ID = 0;
/** Unit id + function code at least; unit id + the largest PDU (253 bytes) at most. */
const MIN_LENGTH_FIELD = 2;
const MAX_LENGTH_FIELD = 254;
const MAX_FRAME = MBAP_HEADER + MAX_LENGTH_FIELD;
/** A read's size: several answers' worth (a pipelined line's answers often come in one read). */
const READ_BUFFER_BYTES = 4096;
const EXCEPTION_FLAG = 0x80;

export interface ModbusTcpClientOptions {
  readonly host: string;
  readonly port: number;
  /** A connect or an answer that has not come within this fails (each request timed from its own send). */
  readonly timeoutMs: number;
}

/** A request sent and not yet answered: its transaction id and when it times out (`performance.now()` ms). */
interface Transaction {
  request: ClientRequest;
  id: number;
  deadline: number;
}

export class ModbusTcpClient implements LineClient {
  private readonly socket: net.Socket;
  private connected = false;
  /** An answer split over reads is gathered here. */
  private readonly partial = Buffer.allocUnsafe(MAX_FRAME);
  private partialLength = 0;
  /**
   * Re-armed (refreshed: no new timer) by a request sent with none waiting: it times out that request. When it fires,
   * requests sent after it are timed out by their own deadlines, and `followUp` is armed for the oldest left.
   */
  private readonly timer: NodeJS.Timeout;
  private followUp: NodeJS.Timeout | null = null;
  /** The transaction the armed timer times out without a look at its deadline. */
  private armedFor = -1;
  /**
   * The requests waiting for their answers, in send order (`waiting[0]` the oldest), `waitingCount` of them; the slots
   * are reused. An answer to a transaction not here (late, after its timeout) is dropped.
   */
  private readonly waiting: Transaction[] = [];
  private waitingCount = 0;
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
    // When it fires with nothing waiting it does nothing.
    this.timer = setTimeout(this.timerDue, options.timeoutMs);
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
      // Judged after the loop's I/O: when the loop was held past the timeout (a start's module loading), the timer runs
      // before the connect made meanwhile is taken in, and every device would be reported lost at once.
      this.socket.setTimeout(timeoutMs, () =>
        setImmediate(() => {
          if (!this.connected && !this.socket.destroyed) failed(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
        }),
      );
      this.socket.connect({ host, port });
    });
  }

  close(): Promise<void> {
    this.stopWaiting();
    clearTimeout(this.timer);
    if (this.followUp !== null) clearTimeout(this.followUp);
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
    if (this.followUp !== null) clearTimeout(this.followUp);
    this.connected = false;
    this.socket.destroy();
  }

  /** The requests sent next go out in one write, at `uncork`. */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  send(request: ClientRequest): void {
    if (!this.connected) return this.answered({ code: 'connection', detail: 'Port Not Open' }, null, null, request);
    this.transactionId = (this.transactionId + 1) & 0xffff;
    if (this.outOfStep !== null) return this.answered({ code: 'frame', detail: this.outOfStep }, null, null, request);
    const frame = requestFrame(this.transactionId, request);
    if (typeof frame === 'string') return this.answered({ code: 'frame', detail: frame }, null, null, request);
    const slot = this.waiting[this.waitingCount] ?? (this.waiting[this.waitingCount] = { request, id: 0, deadline: 0 });
    slot.request = request;
    slot.id = this.transactionId;
    slot.deadline = performance.now() + this.options.timeoutMs;
    if (this.waitingCount === 0) {
      // The timer times out the oldest request; the others are checked against their deadlines when it fires.
      this.armedFor = this.transactionId;
      this.timer.refresh();
    }
    this.waitingCount += 1;
    // socket.write keeps the buffer until it is sent: each request has its own (a few bytes).
    this.socket.write(frame);
  }

  private stopWaiting(): void {
    this.waitingCount = 0;
    this.armedFor = -1;
  }

  /** Takes the request at `index` off the waiting list, keeping the others in send order; returns it. */
  private takeWaiting(index: number): ClientRequest {
    const slot = takeSlot(this.waiting, this.waitingCount, index);
    this.waitingCount -= 1;
    if (this.waitingCount === 0 && this.followUp !== null) {
      clearTimeout(this.followUp);
      this.followUp = null;
    }
    return slot.request;
  }

  /**
   * A timer due is judged after the loop's I/O: when the loop was held past a deadline (a long GC, a start's module
   * loading), libuv runs due timers before it takes in the answers that came meanwhile, and each request would be
   * reported timed out with its answer waiting in the socket.
   */
  private readonly timerDue = (): void => {
    const armed = this.armedFor;
    setImmediate(() => this.expire(armed));
  };

  /**
   * Times out the request the timer was armed for (`armed`, if still waiting) and every other whose deadline has
   * passed; arms `followUp` for the next.
   */
  private expire(armed: number): void {
    if (this.followUp !== null) clearTimeout(this.followUp);
    this.followUp = null;
    let now = -1;
    while (this.waitingCount > 0) {
      const oldest = this.waiting[0]!;
      if (oldest.id !== armed) {
        now = now < 0 ? performance.now() : now;
        // Timers fire on the loop's whole-ms clock: a deadline within the millisecond is due.
        if (oldest.deadline > now + 1) break;
      }
      this.answered({ code: 'timeout', detail: `timeout after ${this.options.timeoutMs} ms` }, null, null, this.takeWaiting(0));
    }
    // A request sent with none waiting (a retry, during the reports above) has the timer armed for it already.
    if (this.waitingCount === 0 || !this.connected || this.waiting[0]!.id === this.armedFor) return;
    const next = this.waiting[0]!;
    this.armedFor = next.id;
    this.followUp = setTimeout(this.timerDue, Math.max(1, Math.ceil(next.deadline - performance.now())));
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
      // Nothing says where the next frame starts: nothing more is read, and the requests waiting now or sent next fail
      // with this frame error, on which the line reconnects.
      this.partialLength = 0;
      this.outOfStep = `frame refused: MBAP length ${lengthField} is outside ${MIN_LENGTH_FIELD}..${MAX_LENGTH_FIELD} (transaction ${transactionId})`;
      this.failAll('frame', this.outOfStep);
      return false;
    }
    const index = this.waitingIndexOf(transactionId);
    if (index < 0) return true;
    const job = this.takeWaiting(index);
    if (protocolId !== MODBUS_PROTOCOL_ID) {
      this.answered({ code: 'frame', detail: `frame refused: MBAP protocol id ${protocolId}, not Modbus (0), in the answer to transaction ${transactionId}` }, null, null, job);
      return true;
    }
    const unitId = bytes[at + MBAP_HEADER]!;
    const functionCode = bytes[at + MBAP_HEADER + 1]!;
    const pduLength = frameLength - MBAP_HEADER - 1;
    if (unitId !== job.unitId) return this.failed(job, `answer from unit ${unitId}, expected unit ${job.unitId}`);
    if (functionCode === (EXCEPTION_FLAG | job.functionCode) && pduLength === 2) {
      this.answered(exceptionFailure(bytes[at + MBAP_HEADER + 2]!), null, null, job);
      return true;
    }
    if (functionCode !== job.functionCode) return this.failed(job, `answer with function ${functionCode}, expected ${job.functionCode}`);
    const expected = answerLength(job);
    if (pduLength !== expected) return this.failed(job, `answer of ${pduLength} bytes after the unit id, expected ${expected}`);
    const data = at + MBAP_HEADER + 3;
    if (job.functionCode === 3 || job.functionCode === 4) {
      if (bytes[data - 1] !== job.quantity * 2) return this.failed(job, `byte count ${bytes[data - 1]}, expected ${job.quantity * 2}`);
      this.answered(null, bytes.subarray(data, data + job.quantity * 2), null, job);
    } else if (job.functionCode === 1 || job.functionCode === 2) {
      const bits: boolean[] = [];
      for (let bit = 0; bit < job.quantity; bit++) bits.push(((bytes[data + (bit >> 3)]! >> (bit & 7)) & 1) === 1);
      this.answered(null, null, bits, job);
    } else {
      this.answered(null, null, null, job);
    }
    return true;
  }

  /** Where the request of `transactionId` waits, or -1 (not sent on this connection, or already reported). */
  private waitingIndexOf(transactionId: number): number {
    for (let index = 0; index < this.waitingCount; index++) if (this.waiting[index]!.id === transactionId) return index;
    return -1;
  }

  /** A request got a wrong answer: a frame error (the stream is still in step). */
  private failed(request: ClientRequest, detail: string): true {
    this.answered({ code: 'frame', detail: `unexpected answer: ${detail}` }, null, null, request);
    return true;
  }

  /** Every waiting request fails with the same reason, oldest first. */
  private failAll(code: ClientFailure['code'], detail: string): void {
    while (this.waitingCount > 0) this.answered({ code, detail }, null, null, this.takeWaiting(0));
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
