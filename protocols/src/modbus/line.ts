/**
 * One queue per Modbus line (a TCP connection or a serial port): one request in flight (on TCP up to
 * `timing.maxInFlight`), a timeout on every request, retries, per-slave exponential back-off and reconnection after the
 * connection is lost.
 */
import { z } from 'zod';
import { messageOf } from '@hazmon/errors';
import type { QualityReasonCode } from '../reading.ts';
import type { ClientFailure, ClientRequest, LineClient } from './line-client.ts';
import { SerialClient } from './serial-client.ts';
import { takeSlot } from './slots.ts';
import { ModbusTcpClient } from './tcp-client.ts';

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
  /**
   * TCP only: requests sent before their answers come (default 1, at most MAX_IN_FLIGHT), paired with their answers by
   * the MBAP transaction id. Only for a server that takes several transactions at once (protocols/profiles/README.md).
   */
  readonly maxInFlight: number;
}

/** The most requests a TCP line sends before their answers come. */
const MAX_IN_FLIGHT = 16;

const timingFields = {
  timeoutMs: z.number().int().min(10).max(60_000),
  retries: z.number().int().min(0).max(10),
  backoffBaseMs: z.number().int().min(0),
  backoffMaxMs: z.number().int().min(0),
  reconnectBaseMs: z.number().int().min(10),
  reconnectMaxMs: z.number().int().min(10),
  quietAfterTimeoutMs: z.number().int().min(0).max(60_000),
};
const tcpTimingSchema = z.strictObject({ ...timingFields, maxInFlight: z.number().int().min(1).max(MAX_IN_FLIGHT) }).partial();
const rtuTimingSchema = z
  .strictObject({
    ...timingFields,
    maxInFlight: z.literal(1, { error: 'an RTU line sends one request at a time: RTU frames carry no transaction id to pair answers with (maxInFlight is for Modbus TCP lines)' }),
  })
  .partial();

/** Validates a line entry of a site config (the agent's config loader uses it). */
export const lineConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ id: z.string().min(1), kind: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535), timing: tcpTimingSchema.optional() }),
  z.strictObject({
    id: z.string().min(1),
    kind: z.literal('rtu'),
    path: z.string().min(1),
    baudRate: z.number().int().positive().optional(),
    parity: z.enum(['none', 'even', 'odd']).optional(),
    dataBits: z.union([z.literal(7), z.literal(8)]).optional(),
    stopBits: z.union([z.literal(1), z.literal(2)]).optional(),
    timing: rtuTimingSchema.optional(),
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
  maxInFlight: 1,
};

/** Per-device request statistics, for /metrics. */
export interface ModbusCounters {
  /** Requests put on the wire, retries included. */
  requests: number;
  responses: number;
  /** Sum over `responses` of the time from sending each request to its answer, ms (retries timed from their own send). */
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

/**
 * The outcome of one job: register bytes (the line client's buffer: read them in `done`, copy to keep them) or bits,
 * or a failure with a reason code and detail.
 */
export type JobOutcome =
  | { readonly ok: true; readonly registers: Buffer | null; readonly bits: readonly boolean[] | null }
  | { readonly ok: false; readonly code: QualityReasonCode; readonly detail: string; readonly exceptionCode?: number };

/** A request to run on a line. */
export interface LineJob extends ClientRequest {
  readonly counters: ModbusCounters;
  /** Writes and their read-backs: jump the queue and are sent even to a slave in back-off. */
  readonly urgent?: boolean;
  readonly done: (outcome: JobOutcome) => void;
}

const SILENT_ATTEMPTS_BEFORE_RECONNECT = 3;

interface SlaveHealth {
  failures: number;
  until: number;
  /** The back-off's length, which names it in the skipped jobs' reason (a text without the remaining ms, so it repeats). */
  periodMs: number;
}

/** A request on the wire; the line's slots are reused by every request. */
interface InFlight {
  job: LineJob;
  attempt: number;
  token: number;
  sentAt: number;
  /** An RTU line holding still after its timeout (see quietAfterTimeoutMs). */
  quiet: boolean;
}

/**
 * A Modbus line. Jobs queue in order; urgent jobs (writes, commands) jump the queue. Up to `maxInFlight` are on the
 * wire at once (1 unless a TCP line's timing says more); a pipelined line sends the jobs queued in one turn of the
 * event loop in one write.
 */
export class ModbusLine {
  readonly timing: LineTiming;
  readonly maxInFlight: number;
  private client: LineClient | null = null;
  private state: 'idle' | 'connecting' | 'open' | 'down' | 'stopped' = 'idle';
  private readonly queue: LineJob[] = [];
  private queueHead = 0;
  private readonly urgent: LineJob[] = [];
  /** The requests on the wire, in send order: the first `flightCount` slots. */
  private readonly flights: InFlight[] = [];
  private flightCount = 0;
  /** A pipelined line's pump is waiting for the end of this turn of the event loop (see `enqueue`). */
  private pumpScheduled = false;
  private readonly scheduledPump = (): void => {
    this.pumpScheduled = false;
    this.pump();
  };
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
  /**
   * The token of the last request sent when the last answer came: a request sent before that and timing out was not
   * met by silence (a pipelined line heard another unit after sending it) and does not count toward `silentAttempts`.
   */
  private heardAfterToken = 0;
  /** Incremented on every successful (re)connect; tests and metrics read it. */
  connects = 0;

  constructor(
    readonly config: LineConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.timing = { ...DEFAULT_LINE_TIMING, ...config.timing };
    // RTU frames carry no transaction id to pair answers with (the config schema refuses more on an RTU line).
    this.maxInFlight = config.kind === 'tcp' ? this.timing.maxInFlight : 1;
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
    if (job.urgent) {
      this.urgent.push(job);
      this.pump();
      return;
    }
    this.queue.push(job);
    if (this.maxInFlight === 1) this.pump();
    else if (!this.pumpScheduled) {
      // The polls due in one turn of the event loop (each device's timer is its own callback) go out in one write.
      this.pumpScheduled = true;
      setImmediate(this.scheduledPump);
    }
  }

  private connect(): void {
    this.state = 'connecting';
    const { config } = this;
    const { timeoutMs } = this.timing;
    const client: LineClient =
      config.kind === 'tcp'
        ? new ModbusTcpClient({ host: config.host, port: config.port, timeoutMs }, (failure, registers, bits, request) => this.answered(client, failure, registers, bits, request))
        : new SerialClient({ ...config, timeoutMs }, (failure, registers, bits, request) => this.answered(client, failure, registers, bits, request));
    this.client = client;
    client.onLost((why) => this.lost(client, why));
    client.open().then(
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

  /** The connection is gone: fail what is in flight and queued (no silent gaps), then reconnect with back-off. */
  private lost(client: LineClient, why: string): void {
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
   * new connection rather than fail as a comms loss; if it cannot be made, that is a loss (see `lost`). Requests still
   * on the wire fail: their answers were in the stream given up.
   */
  private resynchronise(client: LineClient, why: string): void {
    if (this.client !== client || this.state !== 'open') return;
    this.lastError = why;
    this.silentAttempts = 0;
    this.client = null;
    destroyQuietly(client);
    this.queueWaitsForConnect = true;
    this.connect();
    const detail = `no answer read: ${why}`;
    for (const job of this.takeFlights()) {
      job.counters.connectionErrors += 1;
      this.finish(job, { ok: false, code: 'connection', detail });
    }
  }

  private failEverything(code: QualityReasonCode, detail: string): void {
    const fail = (job: LineJob) => {
      job.counters.connectionErrors += 1;
      this.finish(job, { ok: false, code, detail });
    };
    for (const job of this.takeFlights()) fail(job);
    for (let job = this.next(); job; job = this.next()) fail(job);
  }

  /** Takes every request off the wire, oldest first (before any is failed: a failure's callback may send again). */
  private takeFlights(): LineJob[] {
    const jobs: LineJob[] = [];
    for (let index = 0; index < this.flightCount; index++) jobs.push(this.flights[index]!.job);
    this.flightCount = 0;
    return jobs;
  }

  private flightOf(job: ClientRequest): number {
    for (let index = 0; index < this.flightCount; index++) if (this.flights[index]!.job === job) return index;
    return -1;
  }

  /** Takes the flight at `index` off the wire, keeping the others in send order; its slot goes to the end for reuse. */
  private land(index: number): InFlight {
    const flight = takeSlot(this.flights, this.flightCount, index);
    this.flightCount -= 1;
    return flight;
  }

  private hasQueued(): boolean {
    return this.urgent.length > 0 || this.queueHead < this.queue.length;
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
    /** The client whose writes this pump gathers into one, once it sends more than one request. */
    let corked: LineClient | null = null;
    while (this.flightCount < this.maxInFlight) {
      if (this.state !== 'open') {
        // While the line is down (or reconnecting after a loss) every job fails at once with the reason.
        if (this.state === 'down' || (this.state === 'connecting' && !this.queueWaitsForConnect)) {
          for (let job = this.next(); job; job = this.next()) {
            job.counters.connectionErrors += 1;
            this.finish(job, { ok: false, code: 'connection', detail: `line ${this.config.id} down: ${this.lastError}` });
          }
        }
        break;
      }
      const job = this.next();
      if (!job) break;
      // Most lines have no unit backed off: no lookup per request then.
      const slave = this.slaves.size === 0 ? undefined : this.slaves.get(job.unitId);
      if (slave && slave.until > this.now() && !job.urgent) {
        job.counters.skipped += 1;
        const detail = `unit backed off for ${slave.periodMs} ms after it failed to answer`;
        this.finish(job, { ok: false, code: 'backoff', detail });
        continue;
      }
      if (corked === null && this.flightCount + 1 < this.maxInFlight && this.hasQueued()) {
        corked = this.client!;
        corked.cork();
      }
      this.send(job, 0);
    }
    corked?.uncork();
  }

  private send(job: LineJob, attempt: number): void {
    const flight = this.flights[this.flightCount] ?? (this.flights[this.flightCount] = { job, attempt, token: 0, sentAt: 0, quiet: false });
    flight.job = job;
    flight.attempt = attempt;
    flight.token = ++this.token;
    flight.sentAt = this.now();
    flight.quiet = false;
    this.flightCount += 1;
    job.counters.requests += 1;
    this.client!.send(job);
  }

  /** What the client reports for a request on the wire; a report from a client the line no longer uses is dropped. */
  private answered(client: LineClient, failure: ClientFailure | null, registers: Buffer | null, bits: readonly boolean[] | null, request: ClientRequest): void {
    if (this.client !== client) return;
    const index = this.flightOf(request);
    if (index < 0) return;
    const flying = this.flights[index]!;
    if (flying.quiet) return;
    if (failure && this.config.kind === 'rtu' && this.timing.quietAfterTimeoutMs > 0 && (failure.code === 'timeout' || failure.code === 'frame')) {
      // The line stays busy (nothing else is sent) until the gap has passed: a late answer arriving meanwhile
      // finds no request waiting and modbus-serial drops it. Settling then goes on as below.
      flying.quiet = true;
      const token = ++this.token;
      flying.token = token;
      setTimeout(() => {
        const at = this.flights.indexOf(flying);
        if (at >= 0 && at < this.flightCount && flying.token === token) this.settle(at, failure, null, null);
      }, this.timing.quietAfterTimeoutMs).unref();
      return;
    }
    this.settle(index, failure, registers, bits);
  }

  /** The outcome of the request at `flights[index]`: finish it, retry it or back its unit off, then send what waits. */
  private settle(index: number, failure: ClientFailure | null, registers: Buffer | null, bits: readonly boolean[] | null): void {
    const { job, attempt, sentAt, token } = this.land(index);
    if (failure === null) {
      job.counters.responses += 1;
      job.counters.responseMs += this.now() - sentAt;
      if (this.slaves.size > 0) this.slaves.delete(job.unitId);
      this.silentAttempts = 0;
      this.heardAfterToken = this.token;
      this.finish(job, { ok: true, registers, bits });
      this.pump();
      return;
    }
    if (failure.code === 'exception') job.counters.exceptions += 1;
    else if (failure.code === 'timeout') {
      job.counters.timeouts += 1;
      if (token > this.heardAfterToken) this.silentAttempts += 1;
    } else if (failure.code === 'frame') job.counters.frameErrors += 1;
    else job.counters.connectionErrors += 1;
    if (failure.code === 'frame' && this.config.kind === 'tcp' && this.client) {
      // A malformed MBAP length leaves the TCP byte stream out of step: every later answer would be misparsed and
      // surface as timeouts. Report the frame error, then reconnect to resynchronise instead of retrying.
      this.finish(job, { ok: false, ...failure });
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
    await client?.close();
  }
}

function destroyQuietly(client: LineClient): void {
  try {
    client.destroy();
  } catch {
    // Already torn down; nothing left to release.
  }
}
