/**
 * One queue per Modbus line (a TCP connection or a serial port): one request in flight, a timeout on every
 * request, retries, per-slave exponential back-off and reconnection after the connection is lost.
 */
import modbusSerial from 'modbus-serial';
import { z } from 'zod';
import { messageOf } from '@hazmon/errors';
import type { QualityReasonCode } from '../reading.ts';
import { ScreenedTcpPort } from './tcp-port.ts';

export interface TcpLineConfig {
  readonly id: string;
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
}

export interface RtuLineConfig {
  readonly id: string;
  readonly kind: 'rtu';
  readonly path: string;
  readonly baudRate?: number;
  readonly parity?: 'none' | 'even' | 'odd';
  readonly dataBits?: 7 | 8;
  readonly stopBits?: 1 | 2;
}

export type LineConfig = (TcpLineConfig | RtuLineConfig) & { readonly timing?: Partial<LineTiming> };

/** Every figure a line's behaviour depends on; all in ms except retries. */
export interface LineTiming {
  /** No answer within this is a timeout (default 1000). */
  readonly timeoutMs: number;
  /** Extra attempts after a timeout or garbled frame; exceptions are answers and are not retried (default 1). */
  readonly retries: number;
  /** First back-off of a slave that timed out; doubles on every further failure (default 1000). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** First wait before reconnecting a lost line; doubles while reconnecting fails (default 200). */
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  /**
   * RTU only: after a timeout or a garbled frame nothing is sent for this long (default 100), so that a late answer
   * arrives while no request waits and is dropped. RTU frames carry no transaction id: arriving after the next
   * request to the same unit and function, it would be taken for that one's answer, with other registers' values.
   */
  readonly quietAfterTimeoutMs: number;
}

const timingSchema = z
  .strictObject({
    timeoutMs: z.number().int().min(10).max(60_000),
    retries: z.number().int().min(0).max(10),
    backoffBaseMs: z.number().int().min(0),
    backoffMaxMs: z.number().int().min(0),
    reconnectBaseMs: z.number().int().min(10),
    reconnectMaxMs: z.number().int().min(10),
    quietAfterTimeoutMs: z.number().int().min(0).max(60_000),
  })
  .partial();

/** Validates a line entry of a site config (the agent's config loader uses it). */
export const lineConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ id: z.string().min(1), kind: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535), timing: timingSchema.optional() }),
  z.strictObject({
    id: z.string().min(1),
    kind: z.literal('rtu'),
    path: z.string().min(1),
    baudRate: z.number().int().positive().optional(),
    parity: z.enum(['none', 'even', 'odd']).optional(),
    dataBits: z.union([z.literal(7), z.literal(8)]).optional(),
    stopBits: z.union([z.literal(1), z.literal(2)]).optional(),
    timing: timingSchema.optional(),
  }),
]);

export const DEFAULT_LINE_TIMING: LineTiming = {
  timeoutMs: 1000,
  retries: 1,
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
  reconnectBaseMs: 200,
  reconnectMaxMs: 10_000,
  quietAfterTimeoutMs: 100,
};

/** Per-device request statistics, for /metrics. */
export interface ModbusCounters {
  /** Requests put on the wire, retries included. */
  requests: number;
  responses: number;
  /** Sum over `responses` of the time from sending the request to its answer, ms (retries timed from their own send). */
  responseMs: number;
  timeouts: number;
  exceptions: number;
  frameErrors: number;
  connectionErrors: number;
  retries: number;
  /** Times a slave entered back-off. */
  backoffs: number;
  /** Requests answered from back-off without touching the line. */
  skipped: number;
  /** Poll ticks skipped because the previous cycle of the device had not finished. */
  overruns: number;
  writes: number;
  writeFailures: number;
  /** Requests bridging unused registers that the device refused with exception 02 and that are now read gap-free. */
  splits: number;
}

export function newCounters(): ModbusCounters {
  return {
    requests: 0,
    responses: 0,
    responseMs: 0,
    timeouts: 0,
    exceptions: 0,
    frameErrors: 0,
    connectionErrors: 0,
    retries: 0,
    backoffs: 0,
    skipped: 0,
    overruns: 0,
    writes: 0,
    writeFailures: 0,
    splits: 0,
  };
}

/** The outcome of one job: register bytes or bits, or a failure with a reason code and detail. */
export type JobOutcome =
  | { readonly ok: true; readonly registers: Buffer | null; readonly bits: readonly boolean[] | null }
  | { readonly ok: false; readonly code: QualityReasonCode; readonly detail: string; readonly exceptionCode?: number };

/** A request to run on a line. */
export interface LineJob {
  readonly unitId: number;
  /** 1-4 read; 5, 6, 15, 16 write. */
  readonly functionCode: 1 | 2 | 3 | 4 | 5 | 6 | 15 | 16;
  readonly address: number;
  readonly quantity: number;
  /** Write payload: a coil state, one register, coil states or register words. */
  readonly payload?: boolean | number | readonly boolean[] | readonly number[];
  readonly counters: ModbusCounters;
  /** Writes and their read-backs: jump the queue and are sent even to a slave in back-off. */
  readonly urgent?: boolean;
  readonly done: (outcome: JobOutcome) => void;
}

type Callback = (error: unknown, result: unknown) => void;

const SILENT_ATTEMPTS_BEFORE_RECONNECT = 3;

// modbus-serial is CommonJS; under NodeNext its class is the default export's `default`.
const ModbusClient = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusClient>;

interface SlaveHealth {
  failures: number;
  until: number;
  /** The back-off's length, which names it in the skipped jobs' reason (a text without the remaining ms, so it repeats). */
  periodMs: number;
}

/** A serialized Modbus line. Jobs queue in order; urgent jobs (writes, commands) jump the queue. */
export class ModbusLine {
  readonly timing: LineTiming;
  private client: ModbusClient | null = null;
  private state: 'idle' | 'connecting' | 'open' | 'down' | 'stopped' = 'idle';
  private readonly queue: LineJob[] = [];
  private queueHead = 0;
  private readonly urgent: LineJob[] = [];
  /** The request on the wire; `quiet` once an RTU line holds still after its timeout (see quietAfterTimeoutMs). */
  private inFlight: { job: LineJob; attempt: number; token: number; sentAt: number; quiet?: boolean } | null = null;
  private token = 0;
  private reconnectDelay: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly slaves = new Map<number, SlaveHealth>();
  private lastError = 'not connected yet';
  /**
   * Queued jobs wait for the connect under way (the first one, or a resynchronisation after a garbled frame) instead of
   * failing at once; bounded by the connect timeout. After a loss they fail at once with its reason (no silent gaps).
   */
  private queueWaitsForConnect = true;
  /** Timed-out attempts since the last answer from any unit; a TCP line that hears nothing at all is reconnected. */
  private silentAttempts = 0;
  /** Incremented on every successful (re)connect; tests and metrics read it. */
  connects = 0;

  constructor(
    readonly config: LineConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.timing = { ...DEFAULT_LINE_TIMING, ...config.timing };
    this.reconnectDelay = this.timing.reconnectBaseMs;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.failEverything('connection', 'line stopped');
    await this.closeClient();
  }

  enqueue(job: LineJob): void {
    if (this.state === 'stopped') {
      job.done({ ok: false, code: 'connection', detail: 'line stopped' });
      return;
    }
    if (job.urgent) this.urgent.push(job);
    else this.queue.push(job);
    this.pump();
  }

  private connect(): void {
    this.state = 'connecting';
    const { config } = this;
    // Over TCP our own port screens each frame (modbus-serial's would take a non-Modbus protocol id for an answer).
    const port =
      config.kind === 'tcp' ? new ScreenedTcpPort({ host: config.host, port: config.port, connectTimeoutMs: this.timing.timeoutMs }, (detail) => this.refusedFrame(client, detail)) : undefined;
    const client = new ModbusClient(port);
    this.client = client;
    client.setTimeout(this.timing.timeoutMs);
    const opening =
      config.kind === 'tcp'
        ? new Promise<void>((resolve, reject) => client.open((error: unknown) => (error ? reject(error) : resolve())))
        : // Unset serial settings fall back to the Modbus serial-line defaults: 19200 baud, even parity, 8 data bits.
          client.connectRTUBuffered(config.path, {
            baudRate: config.baudRate ?? 19200,
            parity: config.parity ?? 'even',
            dataBits: config.dataBits ?? 8,
            stopBits: config.stopBits ?? 1,
          });
    client.on('close', () => this.lost(client, 'connection closed by peer'));
    client.on('error', (error: unknown) => this.lost(client, messageOf(error)));
    opening.then(
      () => {
        if (this.client !== client || this.state !== 'connecting') return;
        this.state = 'open';
        this.connects += 1;
        this.reconnectDelay = this.timing.reconnectBaseMs;
        this.pump();
      },
      (error: unknown) => this.lost(client, `connect failed: ${messageOf(error)}`),
    );
  }

  /** The port refused a frame as not Modbus: the request in flight failed with a frame error (settled as any other). */
  private refusedFrame(client: ModbusClient, detail: string): void {
    if (this.client !== client || this.inFlight === null || this.inFlight.quiet) return;
    this.answered(this.inFlight.token, new Error(`frame refused: ${detail}`), undefined);
  }

  /** The connection is gone: fail what is in flight and queued (no silent gaps), then reconnect with back-off. */
  private lost(client: ModbusClient, why: string): void {
    if (this.client !== client || this.state === 'stopped' || this.state === 'down') return;
    this.state = 'down';
    this.lastError = why;
    this.queueWaitsForConnect = false;
    this.silentAttempts = 0;
    this.client = null;
    destroyQuietly(client);
    this.failEverything('connection', why);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state === 'down') this.connect();
    }, this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.timing.reconnectMaxMs);
  }

  /**
   * A fresh connection for a byte stream out of step. The line was not lost: the other units' queued jobs wait for the
   * new connection rather than fail as a comms loss; if it cannot be made, that is a loss (see `lost`).
   */
  private resynchronise(client: ModbusClient, why: string): void {
    if (this.client !== client || this.state !== 'open') return;
    this.lastError = why;
    this.silentAttempts = 0;
    this.client = null;
    destroyQuietly(client);
    this.queueWaitsForConnect = true;
    this.connect();
  }

  private failEverything(code: QualityReasonCode, detail: string): void {
    const flying = this.inFlight;
    this.inFlight = null;
    const fail = (job: LineJob) => {
      job.counters.connectionErrors += 1;
      this.finish(job, { ok: false, code, detail });
    };
    if (flying) fail(flying.job);
    for (let job = this.next(); job; job = this.next()) fail(job);
  }

  private next(): LineJob | undefined {
    const urgent = this.urgent.shift();
    if (urgent) return urgent;
    if (this.queueHead >= this.queue.length) return undefined;
    const job = this.queue[this.queueHead]!;
    this.queue[this.queueHead] = undefined as unknown as LineJob;
    this.queueHead += 1;
    // Compact now and then so the array does not grow without bound.
    if (this.queueHead >= 1024 || this.queueHead === this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return job;
  }

  private pump(): void {
    while (this.inFlight === null) {
      if (this.state !== 'open') {
        // While the line is down (or reconnecting after a loss) every job fails at once with the reason.
        if (this.state === 'down' || (this.state === 'connecting' && !this.queueWaitsForConnect)) {
          for (let job = this.next(); job; job = this.next()) {
            job.counters.connectionErrors += 1;
            this.finish(job, { ok: false, code: 'connection', detail: `line ${this.config.id} down: ${this.lastError}` });
          }
        }
        return;
      }
      const job = this.next();
      if (!job) return;
      const slave = this.slaves.get(job.unitId);
      if (slave && slave.until > this.now() && !job.urgent) {
        job.counters.skipped += 1;
        const detail = `unit backed off for ${slave.periodMs} ms after it failed to answer`;
        this.finish(job, { ok: false, code: 'backoff', detail });
        continue;
      }
      this.send(job, 0);
    }
  }

  private send(job: LineJob, attempt: number): void {
    const client = this.client!;
    const token = ++this.token;
    this.inFlight = { job, attempt, token, sentAt: this.now() };
    job.counters.requests += 1;
    const callback: Callback = (error, result) => this.answered(token, error, result);
    const { unitId, address, quantity, payload } = job;
    switch (job.functionCode) {
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

  private answered(token: number, error: unknown, result: unknown): void {
    const flying = this.inFlight;
    // A late answer (after a timeout or a lost connection already settled the job) is dropped.
    if (!flying || flying.token !== token) return;
    if (error && this.config.kind === 'rtu' && !flying.quiet && this.timing.quietAfterTimeoutMs > 0) {
      const code = classify(error, this.timing.timeoutMs).code;
      if (code === 'timeout' || code === 'frame') {
        // The line stays busy (nothing else is sent) until the gap has passed: a late answer arriving meanwhile
        // finds no request waiting and modbus-serial drops it. Settling then goes on as below.
        const quietToken = ++this.token;
        this.inFlight = { ...flying, token: quietToken, quiet: true };
        setTimeout(() => this.answered(quietToken, error, result), this.timing.quietAfterTimeoutMs).unref();
        return;
      }
    }
    this.inFlight = null;
    const { job, attempt } = flying;
    if (!error) {
      job.counters.responses += 1;
      job.counters.responseMs += this.now() - flying.sentAt;
      this.slaves.delete(job.unitId);
      this.silentAttempts = 0;
      const { data, buffer } = result as { data?: unknown; buffer?: Buffer };
      const bitsRead = job.functionCode === 1 || job.functionCode === 2;
      const registersRead = job.functionCode === 3 || job.functionCode === 4;
      this.finish(job, {
        ok: true,
        registers: registersRead ? (buffer ?? null) : null,
        bits: bitsRead ? (data as boolean[]) : null,
      });
      this.pump();
      return;
    }
    const failure = classify(error, this.timing.timeoutMs);
    if (failure.code === 'exception') job.counters.exceptions += 1;
    else if (failure.code === 'timeout') {
      job.counters.timeouts += 1;
      this.silentAttempts += 1;
    } else if (failure.code === 'frame') job.counters.frameErrors += 1;
    else job.counters.connectionErrors += 1;
    if (failure.code === 'frame' && this.config.kind === 'tcp' && this.client) {
      // A malformed MBAP length leaves the TCP byte stream out of step: every later answer would be misparsed and
      // surface as timeouts. Report the frame error, then reconnect to resynchronise instead of retrying.
      this.finish(job, { ok: false, code: failure.code, detail: failure.detail });
      this.resynchronise(this.client, `garbled frame, reconnecting to resynchronise: ${failure.detail}`);
      return;
    }
    const slave = this.slaves.get(job.unitId);
    // A slave already failing gets no retries, so probing a dead slave costs one timeout, not the whole budget.
    const retryable = (failure.code === 'timeout' || failure.code === 'frame') && this.state === 'open';
    if (retryable && attempt < this.timing.retries && !slave) {
      job.counters.retries += 1;
      this.send(job, attempt + 1);
      return;
    }
    if (failure.code === 'timeout') this.backOff(job);
    this.finish(job, { ok: false, ...failure });
    if (this.config.kind === 'tcp' && this.silentAttempts >= SILENT_ATTEMPTS_BEFORE_RECONNECT && this.client) {
      // A half-open connection (peer gone without a FIN) never closes by itself.
      this.lost(this.client, `no answer from any unit for ${this.silentAttempts} attempts`);
      return;
    }
    this.pump();
  }

  private backOff(job: LineJob): void {
    const slave = this.slaves.get(job.unitId) ?? { failures: 0, until: 0, periodMs: 0 };
    slave.failures += 1;
    slave.periodMs = Math.min(this.timing.backoffBaseMs * 2 ** (slave.failures - 1), this.timing.backoffMaxMs);
    slave.until = this.now() + slave.periodMs;
    this.slaves.set(job.unitId, slave);
    job.counters.backoffs += 1;
  }

  private finish(job: LineJob, outcome: JobOutcome): void {
    try {
      job.done(outcome);
    } catch (error) {
      // A consumer's exception must not wedge the line; surface it without losing the queue.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await new Promise<void>((resolve) => client.close(() => resolve()));
  }
}

function destroyQuietly(client: ModbusClient): void {
  try {
    client.destroy(() => undefined);
  } catch {
    // Already torn down; nothing left to release.
  }
}

/** Maps a modbus-serial error onto a reason code: exception, timeout, frame or connection. */
function classify(error: unknown, timeoutMs: number): { code: QualityReasonCode; detail: string; exceptionCode?: number } {
  const record = (error ?? {}) as { modbusCode?: unknown; errno?: unknown; message?: unknown };
  if (typeof record.modbusCode === 'number') {
    return { code: 'exception', detail: `exception ${record.modbusCode}: ${exceptionName(record.modbusCode)}`, exceptionCode: record.modbusCode };
  }
  if (record.errno === 'ETIMEDOUT') return { code: 'timeout', detail: `timeout after ${timeoutMs} ms` };
  const message = messageOf(error);
  if (record.errno === 'ECONNREFUSED' || /Port Not Open/i.test(message)) return { code: 'connection', detail: message };
  return { code: 'frame', detail: message };
}

const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'slave device failure',
  5: 'acknowledge',
  6: 'slave device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target failed to respond',
};

function exceptionName(code: number): string {
  return EXCEPTION_NAMES[code] ?? 'unknown exception';
}
