/** renderMetrics' text as bytes: label values escaped and in UTF-8, a text longer than the render's first buffer whole. */
import { type ModbusCounters, newCounters } from '@hazmon/protocols';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../latency-histogram.ts';
import { renderMetrics } from './metrics.ts';
import type { AgentStats } from './stats.ts';

const snapshot = (...samplesMs: number[]) => {
  const histogram = new LatencyHistogram();
  for (const ms of samplesMs) histogram.record(ms);
  return histogram.snapshot();
};

const counters = (requests: number): ModbusCounters => ({ ...newCounters(), requests, responses: requests, responseMs: requests * 1.5 });

/** What renderMetrics reads of the agent's stats, with `devices` Modbus devices (device `i` counted `i` requests). */
function statsWith(devices: readonly { readonly deviceId: string; readonly line: string }[]): AgentStats {
  const modbus = devices.map((device, index) => ({ ...device, counters: counters(index) }));
  const stats = {
    readings: 10,
    storeRejected: 0,
    storeDropped: 0,
    lateReadings: 0,
    invalidReadings: 0,
    eventsPersisted: 0,
    persistFailures: 0,
    reloadStopReadings: 0,
    latency: { decision: snapshot(0.4, 3), command: snapshot(), confirm: snapshot() },
    shutoff: [],
    devicesInCommsLoss: [],
    devicesRefusingRequests: [],
    engine: { readings: 10, late: 0, reordered: 0, duplicates: 0, nonFinite: 0, invalid: 0 },
    store: { rawAccepted: 10, rawRowsWritten: 10, batches: 1, queueDepth: 0, queueCapacity: 100, backPressure: false, flushLatency: snapshot(2), lastFlushAt: null },
    startedAt: 1_765_000_000_000,
    lastTickAt: 1_765_000_001_000,
    writeLatency: snapshot(),
    modbus,
    sources: devices.map((device) => device.deviceId),
    eventLoop: { p50Ms: 1, p99Ms: 2, maxMs: 3, maxEverMs: 3, stalledWindows: 0, windows: 1, stalled: false, windowMaxima: snapshot(3), busyWindowMaxima: snapshot(3) },
    heartbeat: null,
    runtimeAlarmsActive: [],
  };
  // The store's and engine's figures renderMetrics does not print are left out.
  return stats as unknown as AgentStats;
}

describe('renderMetrics', () => {
  it('escapes backslash, quote and line feed in label values and writes other characters as UTF-8', () => {
    const text = renderMetrics({
      agent: statsWith([
        { deviceId: 'first', line: 'L1' },
        { deviceId: 'tank "A"\\2\nnorth', line: 'Zürich ∑' },
      ]),
    });
    expect(text).toContain('\nhazmon_modbus_requests_total{device="tank \\"A\\"\\\\2\\nnorth",line="Zürich ∑"} 1\n');
    expect(text).toContain('\nhazmon_device_up{device="tank \\"A\\"\\\\2\\nnorth"} 1\n');
    expect(text).toContain('\nhazmon_shutoff_latency_seconds_bucket{stage="decision",le="+Inf"} 2\n');
    expect(text).toContain('\nhazmon_modbus_response_seconds_sum{device="tank \\"A\\"\\\\2\\nnorth",line="Zürich ∑"} 0.0015\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('writes every line of a text far longer than its first buffer (128 KiB), none cut or repeated', () => {
    const devices = Array.from({ length: 3000 }, (_, index) => ({ deviceId: `device-${index}-é`, line: `line-${index % 7}` }));
    const text = renderMetrics({ agent: statsWith(devices) });
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * 128 * 1024);
    const requests = text.split('\n').filter((line) => line.startsWith('hazmon_modbus_requests_total{'));
    expect(requests).toEqual(devices.map((device, index) => `hazmon_modbus_requests_total{device="${device.deviceId}",line="${device.line}"} ${index}`));
    expect(text.includes('\0')).toBe(false);
    expect(text.endsWith('hazmon_runtime_alarms_active 0\n')).toBe(true);
  });
});
