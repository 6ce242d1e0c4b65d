/**
 * ModbusPoller: polls ready devices on their lines on each device's schedule and hands every request's readings
 * to one callback, good or bad, every cycle: as Reading objects (`onReadings`), or as rows (`onRows`) where a good
 * number is only the consumer's index of its point and the value, with no object (the agent's hot path).
 *
 * @example
 * const poller = new ModbusPoller({ lines: [{ id: 'plant', kind: 'tcp', host: '127.0.0.1', port }], devices, onReadings: (batch) => store(batch) });
 * const rowsPoller = new ModbusPoller({ lines, devices, pointIndex: (id) => routes.indexOf(id), onRows: (rows, outcome) => route(rows) });
 * poller.start();
 * await poller.write('valve-1', 'command', false);
 */
import type { QualityReasonCode, Reading } from '../reading.ts';
import type { ReadingRows } from '../reading-rows.ts';
import { ReadingRowBuffer } from '../reading-rows.ts';
import type { ReadyDevice } from './device.ts';
import { describeRequest } from './device.ts';
import { ModbusWriteError } from './errors.ts';
import type { JobOutcome, LineConfig, LineJob, ModbusCounters } from './line.ts';
import { ModbusLine, newCounters } from './line.ts';
import type { PlannedRequest } from './plan.ts';
import { MAX_REGISTERS_PER_READ, READ_FUNCTION } from './point.ts';
import { PollTimer } from './poll-timer.ts';
import { DeviceReadings } from './readings.ts';
import { writePoint } from './write.ts';

/**
 * What one poll request came to, beside its readings: an answer with data (`failure` null) or the failure, with the
 * exception code when the device refused it. `failure.message` names the device, function and register.
 */
export interface PollOutcome {
  readonly deviceId: string;
  readonly functionCode: number;
  readonly address: number;
  readonly quantity: number;
  readonly failure: { readonly code: QualityReasonCode; readonly message: string; readonly exceptionCode?: number } | null;
}

interface PollerBase {
  readonly lines: readonly LineConfig[];
  readonly devices: readonly ReadyDevice[];
  /** Wall clock for receive times; epoch ms UTC. */
  readonly now?: () => number;
}

/** A request's readings as objects, or as rows (no object per plain reading): one of the two callbacks. */
export type ModbusPollerOptions = PollerBase &
  (
    | {
        /** Called once per request with the readings of its points (fresh array and objects each time) and what it came to. */
        readonly onReadings: (readings: Reading[], outcome: PollOutcome) => void;
      }
    | {
        /**
         * Called once per request with its points' rows and what it came to. The rows are the poller's and are refilled
         * by its next answer: read them in the call, keep only objects built from them.
         */
        readonly onRows: (rows: ReadingRows, outcome: PollOutcome) => void;
        /** The consumer's index of a point (`ReadingRows.point`), asked once per point when the poller is built; -1 for none. */
        readonly pointIndex: (readingId: string) => number;
      }
  );

/** A planned request as a device polls it: made once, reused by every send and answer. */
interface RequestPoll {
  readonly request: PlannedRequest;
  /** The device and registers, naming the request in a failure's message. */
  readonly what: string;
  readonly job: LineJob;
  /** Its outcome when answered with data: the same object every time. */
  readonly answered: PollOutcome;
  /**
   * Set when the request was refused with exception 02, decided once: the gap-free parts read in its place from then
   * on, or the request alone when it bridged no gap (its refusal is a genuinely wrong address and stays visible).
   */
  parts: readonly PlannedRequest[] | undefined;
}

/** Modbus exception 02: what devices answer for a read that touches an undefined register. */
const ILLEGAL_DATA_ADDRESS = 2;

/** A device being polled: its schedule position, decoding state and one reusable job per planned request. */
class PolledDevice {
  readonly counters = newCounters();
  readonly readings: DeviceReadings;
  /** The consumer's index of each of the device's points. */
  private readonly pointIndex: Int32Array;
  /** What is kept per planned request, made on its first send: one lookup per request sent, none per answer. */
  private readonly polls = new Map<PlannedRequest, RequestPoll>();
  private tick = 0;
  private outstanding = 0;
  private startedAt = 0;
  /** The cycle out now was sent before its line had connected: it waited for the connect, not for a slow line. */
  private cycleWaitedForConnect = false;
  /** When the next tick is due (ms on the poller's clock); the poller's PollTimer runs it then. */
  due = Number.POSITIVE_INFINITY;

  constructor(
    readonly device: ReadyDevice,
    readonly line: ModbusLine,
    private readonly emit: (rows: ReadingRows, outcome: PollOutcome) => void,
    pointIndex: (readingId: string) => number,
    private readonly now: () => number,
    private readonly rows: RowsLender,
  ) {
    this.readings = new DeviceReadings(device);
    this.pointIndex = Int32Array.from(device.points, (point) => pointIndex(point.readingId));
  }

  start(): void {
    this.startedAt = this.now();
    this.tick = 0;
    this.runTick();
  }

  runTick(): void {
    const requests = this.device.schedule.requestsAt(this.tick);
    const tickMs = this.device.schedule.tickMs;
    if (this.outstanding > 0) {
      // The line is too slow for the intervals when a tick on time finds the previous cycle still out. A tick running
      // late is the event loop's delay (start-up, a long commit: the agent's event-loop lag alarm reports it), and a
      // cycle that waited for its line's connection is the connect's: those ticks are skipped but not overruns.
      const late = this.now() - (this.startedAt + this.tick * tickMs);
      if (!this.cycleWaitedForConnect && late < tickMs / 2) this.counters.overruns += 1;
    } else {
      if (requests.length > 0) this.cycleWaitedForConnect = !this.line.isOpen;
      for (const request of requests) {
        const poll = this.pollOf(request);
        if (poll.parts !== undefined) this.sendAll(poll.parts);
        else this.send(poll);
      }
    }
    this.tick += 1;
    // Ticks are anchored to the start time so intervals do not drift with processing time.
    this.due = this.startedAt + this.tick * tickMs;
  }

  private send(poll: RequestPoll): void {
    this.outstanding += 1;
    this.line.enqueue(poll.job);
  }

  private sendAll(requests: readonly PlannedRequest[]): void {
    for (const request of requests) this.send(this.pollOf(request));
  }

  private pollOf(request: PlannedRequest): RequestPoll {
    let poll = this.polls.get(request);
    if (poll === undefined) {
      const what = `${this.device.label} ${describeRequest(request.table, request.address, request.quantity)}`;
      const functionCode = READ_FUNCTION[request.table];
      const job: LineJob = {
        unitId: this.device.unitId,
        functionCode,
        address: request.address,
        quantity: request.quantity,
        counters: this.counters,
        done: (outcome) => this.settled(made, outcome),
      };
      const answered = Object.freeze({ deviceId: this.device.id, functionCode, address: request.address, quantity: request.quantity, failure: null });
      const made: RequestPoll = { request, what, job, answered, parts: undefined };
      poll = made;
      this.polls.set(request, poll);
    }
    return poll;
  }

  private settled(poll: RequestPoll, outcome: JobOutcome): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
    if (!outcome.ok && outcome.exceptionCode === ILLEGAL_DATA_ADDRESS && this.splitRefused(poll)) return;
    const rows = this.rows.borrow();
    try {
      rows.reset(this.now());
      if (outcome.ok) {
        this.readings.fromResponse(poll.request, outcome.registers, outcome.bits, this.pointIndex, rows);
        this.emit(rows, poll.answered);
        return;
      }
      const reason = { code: outcome.code, message: `${poll.what}: ${outcome.detail}` };
      this.readings.fromFailure(poll.request, reason, this.pointIndex, rows);
      const failure = outcome.exceptionCode === undefined ? reason : { ...reason, exceptionCode: outcome.exceptionCode };
      this.emit(rows, { ...poll.answered, failure });
    } finally {
      this.rows.giveBack(rows);
    }
  }

  /**
   * Real devices answer a merged read that bridges undefined registers with exception 02 although each point alone is
   * readable: read such a request gap-free from now on, starting with this cycle, so its points never go bad for it.
   * Returns false when the request bridged no gap (or was already split), leaving the exception to be reported.
   */
  private splitRefused(poll: RequestPoll): boolean {
    if (poll.parts !== undefined) return false;
    const parts = this.device.schedule.gapFree(poll.request);
    poll.parts = parts.length > 1 ? parts : [poll.request];
    if (parts.length < 2) return false;
    this.counters.splits += 1;
    this.sendAll(parts);
    return true;
  }
}

const noIndex = () => -1;

/**
 * The rows each answer is decoded into and handed to the consumer: one buffer per poller (the agent runs one per line),
 * so that every answer writes, and the consumer reads, the same few kB still in the CPU's caches (a buffer per request
 * spread the agent bench's 1,600 answers a second over its 80 requests' ~0.45 MB of rows). An answer settled while the
 * buffer is lent (a consumer whose callback makes the poller settle another request) gets a buffer of its own.
 */
class RowsLender {
  private readonly shared = new ReadingRowBuffer(MAX_REGISTERS_PER_READ);
  private lent = false;

  borrow(): ReadingRowBuffer {
    if (this.lent) return new ReadingRowBuffer(MAX_REGISTERS_PER_READ);
    this.lent = true;
    return this.shared;
  }

  giveBack(rows: ReadingRowBuffer): void {
    if (rows === this.shared) this.lent = false;
  }
}

/** A consumer of objects fed from rows: every row becomes a Reading. */
function objectsTo(onReadings: (readings: Reading[], outcome: PollOutcome) => void): (rows: ReadingRows, outcome: PollOutcome) => void {
  return (rows, outcome) => onReadings(rows.readings(), outcome);
}

export class ModbusPoller {
  private readonly lines = new Map<string, ModbusLine>();
  private readonly polled = new Map<string, PolledDevice>();
  private readonly timer: PollTimer;
  private running = false;

  constructor(options: ModbusPollerOptions) {
    const now = options.now ?? Date.now;
    const rows = new RowsLender();
    const { emit, pointIndex } = 'onRows' in options ? { emit: options.onRows, pointIndex: options.pointIndex } : { emit: objectsTo(options.onReadings), pointIndex: noIndex };
    for (const config of options.lines) {
      if (this.lines.has(config.id)) throw new RangeError(`line ${JSON.stringify(config.id)} is defined twice`);
      this.lines.set(config.id, new ModbusLine(config, now));
    }
    for (const device of options.devices) {
      const line = this.lines.get(device.line);
      if (!line) throw new RangeError(`device ${JSON.stringify(device.id)} names line ${JSON.stringify(device.line)}, which is not defined`);
      if (this.polled.has(device.id)) throw new RangeError(`device ${JSON.stringify(device.id)} is defined twice`);
      this.polled.set(device.id, new PolledDevice(device, line, emit, pointIndex, now, rows));
    }
    this.timer = new PollTimer([...this.polled.values()], now);
  }

  /** Opens every line and starts every device's schedule (tick 0 reads every point at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const line of this.lines.values()) line.start();
    for (const device of this.polled.values()) device.start();
    this.timer.arm();
  }

  /** Stops the schedules and closes the lines; requests still queued get bad `connection` readings. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer.stop();
    await Promise.all([...this.lines.values()].map((line) => line.stop()));
  }

  /** Per-device request statistics (live objects; read, don't write). */
  counters(deviceId: string): Readonly<ModbusCounters> {
    return this.device(deviceId).counters;
  }

  allCounters(): ReadonlyMap<string, Readonly<ModbusCounters>> {
    return new Map([...this.polled].map(([id, device]) => [id, device.counters]));
  }

  /** The named line (its `connects` count and `isOpen` are for diagnostics). */
  line(lineId: string): ModbusLine | undefined {
    return this.lines.get(lineId);
  }

  /** Flags last decoded from a device's status point. */
  flags(deviceId: string, pointId: string): Readonly<Record<string, boolean>> | undefined {
    return this.device(deviceId).readings.flagsOf(pointId);
  }

  /** Writes a coil (boolean) or register (engineering value) ahead of queued polls, then reads it back. */
  async write(deviceId: string, pointId: string, value: number | boolean): Promise<void> {
    const polled = this.device(deviceId);
    const point = polled.device.points.find((candidate) => candidate.spec.id === pointId);
    if (!point) throw new ModbusWriteError('HAZMON_MODBUS_NOT_WRITABLE', `${polled.device.label} has no point ${JSON.stringify(pointId)}`);
    await writePoint(polled.line, polled.device, point, value, polled.counters);
  }

  private device(deviceId: string): PolledDevice {
    const device = this.polled.get(deviceId);
    if (!device) throw new RangeError(`no Modbus device ${JSON.stringify(deviceId)}`);
    return device;
  }
}
