import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeAlarmInput } from './runtime-alarms.ts';
import { EVENT_LOOP_LAG_ALARM, EventLoopLagMonitor } from './event-loop.ts';
import { waitFor } from '@hazmon/test-support';

let monitor: EventLoopLagMonitor | null = null;

afterEach(() => {
  monitor?.stop();
  monitor = null;
});

/** Blocks this thread, as a runaway computation in the agent would. */
function blockLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('EventLoopLagMonitor', () => {
  it('raises once for a blocked loop with the measured delay, clears on the next calm window, and keeps the figures', async () => {
    const alarms: RuntimeAlarmInput[] = [];
    monitor = new EventLoopLagMonitor({ limitMs: 250, windowMs: 200, alarm: (alarm) => alarms.push(alarm) });
    monitor.start();
    await waitFor('a first window', () => monitor!.snapshot().windows > 0);
    expect(alarms).toEqual([]);
    blockLoop(900);
    await waitFor('the alarm', () => alarms.length === 1);
    expect(alarms[0]).toMatchObject({ alarmId: EVENT_LOOP_LAG_ALARM, active: true, priority: 'high', source: null });
    const reported = alarms[0]!.details['maxMs'] as number;
    expect(reported).toBeGreaterThan(250);
    expect(alarms[0]!.why).toContain(`up to ${reported} ms (limit 250 ms)`);
    expect(monitor.snapshot()).toMatchObject({ stalled: true, stalledWindows: 1 });
    await waitFor('the clear', () => alarms.length === 2);
    expect(alarms[1]).toMatchObject({ alarmId: EVENT_LOOP_LAG_ALARM, active: false });
    const snapshot = monitor.snapshot();
    expect(snapshot.stalled).toBe(false);
    expect(snapshot.maxEverMs).toBeGreaterThanOrEqual(reported - 1);
    expect(snapshot.maxMs).toBeLessThanOrEqual(250);
    expect(snapshot.p50Ms).toBeLessThanOrEqual(snapshot.p99Ms);
  }, 30_000);

  it("counts a window's delay as busy no longer than the loop thread ran: a wait for the CPU is not the agent's work", async () => {
    const alarms: RuntimeAlarmInput[] = [];
    let ranMs = 0;
    monitor = new EventLoopLagMonitor({ limitMs: 2000, windowMs: 100, alarm: (alarm) => alarms.push(alarm), cpuTimeMs: () => ranMs });
    monitor.start();
    await waitFor('a first window', () => monitor!.snapshot().windows > 0);
    const windows = monitor.snapshot().windows;
    // 300 ms blocked, of which the thread ran (as the kernel would count it) 40 ms: the rest was a wait for the CPU.
    blockLoop(300);
    ranMs += 40;
    await waitFor('the window of the block', () => monitor!.snapshot().windows > windows + 1);
    const { windowMaxima, busyWindowMaxima } = monitor.snapshot();
    expect(windowMaxima.maxMs).toBeGreaterThan(250);
    expect(busyWindowMaxima.maxMs).toBeGreaterThan(0);
    expect(busyWindowMaxima.maxMs).toBeLessThanOrEqual(40);
    expect(alarms).toEqual([]);
  }, 30_000);

  it('measures its own thread by default: a block asleep is not busy, a block on the CPU is busy all along', async () => {
    monitor = new EventLoopLagMonitor({ limitMs: 2000, windowMs: 100, alarm: () => {} });
    monitor.start();
    await waitFor('a first window', () => monitor!.snapshot().windows > 0);
    let windows = monitor.snapshot().windows;
    blockLoop(300);
    await waitFor('the window of the sleep', () => monitor!.snapshot().windows > windows + 1);
    expect(monitor.snapshot().windowMaxima.maxMs).toBeGreaterThan(250);
    expect(monitor.snapshot().busyWindowMaxima.maxMs).toBeLessThan(100);
    windows = monitor.snapshot().windows;
    // 300 ms of this process's CPU, however long that takes on a busy machine: spinning, unlike Atomics.wait, is time on the CPU.
    const cpuAtStart = process.cpuUsage();
    while (process.cpuUsage(cpuAtStart).user < 300_000) {
      // spin
    }
    await waitFor('the window of the block', () => monitor!.snapshot().windows > windows + 1);
    // The process's other threads (V8's helpers) may have had some of those 300 ms.
    expect(monitor.snapshot().busyWindowMaxima.maxMs).toBeGreaterThan(200);
  }, 30_000);

  it('stays quiet while the loop is free, and stop() ends the windows', async () => {
    const alarms: RuntimeAlarmInput[] = [];
    monitor = new EventLoopLagMonitor({ limitMs: 2000, windowMs: 50, alarm: (alarm) => alarms.push(alarm) });
    monitor.start();
    await waitFor('three windows', () => monitor!.snapshot().windows >= 3);
    monitor.stop();
    const windows = monitor.snapshot().windows;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(monitor.snapshot().windows).toBe(windows);
    expect(alarms).toEqual([]);
  }, 30_000);
});
