import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RuntimeAlarmInput } from './runtime-alarms.ts';
import { waitFor } from '@hazmon/test-support';
import { HEARTBEAT_ALARM, Heartbeat } from './heartbeat.ts';
import type { OutputWriteResult } from './shutoff.ts';

let heartbeat: Heartbeat | null = null;

afterEach(async () => {
  await heartbeat?.stop();
  heartbeat = null;
});

/** A write path whose answers the test gives one by one, recording the values written. */
function manualWriter() {
  const written: (boolean | number)[] = [];
  const answers: ((result: OutputWriteResult) => void)[] = [];
  return {
    written,
    write: (value: boolean | number) => {
      written.push(value);
      return new Promise<OutputWriteResult>((resolve) => answers.push(resolve));
    },
    answer: (result: OutputWriteResult) => answers.shift()!(result),
    pending: () => answers.length,
  };
}

describe('Heartbeat', () => {
  it('counts 1, 2, ... and never stacks writes behind a slow one (those beats are counted as skipped)', async () => {
    const writer = manualWriter();
    heartbeat = new Heartbeat({ point: 'PLC.hb', mode: 'count', intervalMs: 10, write: writer.write, alarm: () => {} });
    heartbeat.start();
    expect(writer.written).toEqual([1]);
    await waitFor('beats skipped while the first write is pending', () => heartbeat!.stats().skipped >= 3);
    expect(writer.pending()).toBe(1);
    writer.answer({ ok: true });
    await waitFor('the second write', () => writer.written.length === 2);
    writer.answer({ ok: true });
    await waitFor('the third write', () => writer.written.length === 3);
    expect(writer.written).toEqual([1, 2, 3]);
    expect(heartbeat.stats()).toMatchObject({ writes: 3, failures: 0, lastValue: 2 });
    writer.answer({ ok: true });
  });

  it('wraps the count at 32767 so it fits any 16-bit register', async () => {
    vi.useFakeTimers();
    try {
      const written: number[] = [];
      heartbeat = new Heartbeat({ point: 'PLC.hb', mode: 'count', intervalMs: 1, write: async (value) => (written.push(value as number), { ok: true }), alarm: () => {} });
      heartbeat.start();
      await vi.advanceTimersByTimeAsync(32_770);
      await heartbeat.stop();
      expect(written[32_766]).toBe(32_767);
      expect(written[32_767]).toBe(0);
      expect(written[32_768]).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  }, 60_000);

  it('toggles, raises one alarm for a run of failed writes with the reason, and clears it at the next success', async () => {
    const writer = manualWriter();
    const alarms: RuntimeAlarmInput[] = [];
    heartbeat = new Heartbeat({ point: 'PLC.hb', mode: 'toggle', intervalMs: 5, write: writer.write, alarm: (alarm) => alarms.push(alarm) });
    heartbeat.start();
    const results: OutputWriteResult[] = [{ ok: false, detail: 'PLC unit 7 coil 00001: timeout' }, { ok: false, detail: 'PLC unit 7 coil 00001: timeout' }, { ok: true }];
    for (const [index, result] of results.entries()) {
      await waitFor(`write ${index + 1}`, () => writer.pending() === 1 && writer.written.length === index + 1);
      writer.answer(result);
    }
    await waitFor('the clear', () => alarms.length === 2);
    expect(writer.written.slice(0, 3)).toEqual([true, false, true]);
    expect(alarms.map((alarm) => [alarm.alarmId, alarm.active, alarm.source])).toEqual([
      [HEARTBEAT_ALARM, true, 'PLC.hb'],
      [HEARTBEAT_ALARM, false, 'PLC.hb'],
    ]);
    expect(alarms[0]!.why).toContain('PLC unit 7 coil 00001: timeout');
    expect(heartbeat.stats()).toMatchObject({ failures: 2, failing: false, lastValue: true });
    await waitFor('the next write', () => writer.pending() === 1);
    writer.answer({ ok: true });
  });
});
