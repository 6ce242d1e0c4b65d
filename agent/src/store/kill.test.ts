/** kill -9 of a writing child process: what survives in the reopened file. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { waitFor } from '@hazmon/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { HazmonStore } from './store.ts';

const CHILD = fileURLToPath(new URL('../../test/fixtures/store/kill-child.ts', import.meta.url));
const POINTS = 100;
const PER_TICK = 200;
const TICK_MS = 20;
const FLUSH_MS = 500;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Highest number printed after `label`, or 0. */
function last(lines: readonly string[], label: string): number {
  let max = 0;
  for (const line of lines) if (line.startsWith(`${label} `)) max = Math.max(max, Number(line.slice(label.length + 1)));
  return max;
}

describe('kill -9', () => {
  it('loses no acknowledged alarm event or audit row and at most the unflushed raw readings', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const path = dir.file('kill.duckdb');
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, path, String(POINTS), String(PER_TICK), String(TICK_MS), String(FLUSH_MS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    child.stdout?.on('data', (data: Buffer) => {
      const parts = (pending + data.toString()).split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
    });
    child.stderr?.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

    // Kill it under load: several raw flushes and a good number of durable alarm events behind it.
    await waitFor('child progress', () => child.exitCode !== null || (last(lines, 'durable') >= 5 * PER_TICK && last(lines, 'audit') >= 20), {
      timeoutMs: 120_000,
      state: () => `stderr: ${stderr}`,
    });
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');

    const ackedAlarms = last(lines, 'alarm');
    const ackedAudits = last(lines, 'audit');
    const durableRaw = last(lines, 'durable');
    const acceptedRaw = last(lines, 'accepted');

    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    const [raw] = (await connection.runAndReadAll('SELECT count(*) AS n, count(DISTINCT value_scaled) AS d, min(value_scaled) AS lo, max(value_scaled) AS hi FROM raw_readings')).getRowObjectsJS();
    const [alarms] = (await connection.runAndReadAll('SELECT count(*) AS n, max(seq) AS hi FROM alarm_events')).getRowObjectsJS();
    const [audits] = (await connection.runAndReadAll('SELECT count(*) AS n, max(seq) AS hi FROM audit_log')).getRowObjectsJS();
    connection.closeSync();
    instance.closeSync();

    // Every acknowledged alarm event and audit row survived (a commit may have landed after its last print).
    expect(Number(alarms?.n)).toBe(Number(alarms?.hi));
    expect(Number(alarms?.hi)).toBeGreaterThanOrEqual(ackedAlarms);
    expect(Number(audits?.n)).toBe(Number(audits?.hi));
    expect(Number(audits?.hi)).toBeGreaterThanOrEqual(ackedAudits);

    // Raw readings survive as a gap-free prefix 1..n that covers every reading reported durable.
    const kept = Number(raw?.n);
    expect(Number(raw?.d)).toBe(kept);
    expect(Number(raw?.lo)).toBe(1);
    expect(Number(raw?.hi)).toBe(kept);
    expect(kept).toBeGreaterThanOrEqual(durableRaw);
    // What is lost is at most what was queued since the last flush: one flush interval of ticks, plus slack for timer drift.
    const bound = (FLUSH_MS / TICK_MS + 10) * PER_TICK;
    expect(acceptedRaw - kept).toBeLessThanOrEqual(bound);

    // The store itself reopens the killed file and finds its audit chain intact.
    const reopened = await HazmonStore.open({ path, retentionIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    expect((await reopened.verifyAuditChain()).ok).toBe(true);
    expect((await reopened.alarmEventsAfter(0, 10_000)).length).toBe(Number(alarms?.n));
  }, 180_000);
});
