import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PollTimer } from './poll-timer.ts';

/** The poller's clock: the fake timers' time, or ahead of it by `skew` (a loop held while the clock went on). */
let skew = 0;
const clock = () => Date.now() + skew;

/** A device's schedule as the poller keeps it: ticks every `tickMs` from `startedAt`, each logged with the clock's time. */
class Ticking {
  due = Number.POSITIVE_INFINITY;
  private tick = 0;
  private startedAt = 0;

  constructor(
    readonly name: string,
    private readonly tickMs: number,
    private readonly log: string[],
    private readonly onTick: () => void = () => undefined,
  ) {}

  start(): void {
    this.startedAt = clock();
    this.tick = 0;
    this.runTick();
  }

  runTick(): void {
    this.log.push(`${clock()} ${this.name}`);
    this.onTick();
    this.tick += 1;
    this.due = this.startedAt + this.tick * this.tickMs;
  }
}

let log: string[];

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  skew = 0;
  log = [];
});

afterEach(() => {
  vi.useRealTimers();
});

function started(devices: Ticking[]): PollTimer {
  const timer = new PollTimer(devices, clock);
  for (const device of devices) device.start();
  timer.arm();
  return timer;
}

describe('PollTimer', () => {
  it("runs each device on its own interval with one timer, devices due together in one callback, in the poller's order", () => {
    started([new Ticking('a', 50, log), new Ticking('b', 100, log), new Ticking('c', 50, log)]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(log).toEqual(['0 a', '0 b', '0 c', '50 a', '50 c', '100 a', '100 b', '100 c', '150 a', '150 c', '200 a', '200 b', '200 c']);
    expect(vi.getTimerCount()).toBe(1);
  });

  it("keeps a device's own phase: one started later ticks on its own start, not on the others'", () => {
    const late = new Ticking('late', 100, log);
    started([new Ticking('early', 100, log), late]);
    log.length = 0;
    vi.advanceTimersByTime(30);
    late.start();
    vi.advanceTimersByTime(250);
    expect(log).toEqual(['30 late', '100 early', '130 late', '200 early', '230 late']);
  });

  it('after the loop was held, gives each device that fell behind one tick per timer callback, as a timer of its own would', () => {
    started([new Ticking('a', 50, log), new Ticking('b', 100, log)]);
    log.length = 0;
    skew = 125; // the clock moved on while nothing ran: the timer due at 50 runs at 175
    vi.advanceTimersToNextTimer();
    expect(log).toEqual(['175 a', '175 b']);
    vi.advanceTimersToNextTimer();
    expect(log).toEqual(['175 a', '175 b', '176 a']);
  });

  it("runs the device it was armed for when it fires before the poller's clock reaches the due time", () => {
    started([new Ticking('a', 50, log), new Ticking('b', 60, log)]);
    log.length = 0;
    // What Node does when the loop's cached time lags: the callback comes a millisecond before the clock says due.
    skew = -1;
    vi.advanceTimersByTime(50);
    expect(log).toEqual(['49 a']);
  });

  it('stops at once when a tick stops it (a consumer stopping the poller in its callback): no other device runs, no timer left', () => {
    let timer: PollTimer | undefined;
    const devices = [new Ticking('a', 50, log, () => Date.now() >= 50 && timer!.stop()), new Ticking('b', 50, log)];
    timer = started(devices);
    vi.advanceTimersByTime(500);
    expect(log).toEqual(['0 a', '0 b', '50 a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('arms nothing before it is armed and nothing after stop; armed again, it catches up one tick per callback', () => {
    const devices = [new Ticking('a', 50, log)];
    const timer = new PollTimer(devices, clock);
    devices[0]!.start();
    expect(vi.getTimerCount()).toBe(0);
    timer.arm();
    timer.stop();
    vi.advanceTimersByTime(200);
    expect(log).toEqual(['0 a']);
    timer.arm();
    vi.advanceTimersByTime(60);
    expect(log).toEqual(['0 a', '200 a', '201 a', '202 a', '203 a', '250 a']);
  });
});
