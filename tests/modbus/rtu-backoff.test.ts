/** One dead slave on an 8E1 RTU line is backed off, reported bad every cycle, and never starves the live slaves. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LineTiming, Reading } from '@hazmon/protocols';
import type { RunningSite } from '@hazmon/simulators';
import { waitFor } from '@hazmon/test-support';
import { profileDevice, rtuLineFor, startPolling, startTestSite, trackResources, type PollingRig } from '../helpers/harness.ts';

const track = trackResources();
const INTERVAL_MS = 200;
const TIMING: Partial<LineTiming> = { timeoutMs: 300, retries: 1, backoffBaseMs: 300, backoffMaxMs: 1200 };
const TIMEOUT_BUDGET_MS = TIMING.timeoutMs! * (1 + TIMING.retries!);
// A loaded 2-core machine delays timers and the pty; this bounds starvation, it does not measure speed.
const SLACK_MS = 1500;
const LIVE = ['msa-3', 'msa-4'] as const;
const DEAD = 'msa-5';

let site: RunningSite;
let rig: PollingRig;

/** Largest time between consecutive readings of a point (by the gateway's receive time). */
function largestGap(readings: readonly Reading[]): number {
  let gap = 0;
  for (let index = 1; index < readings.length; index++) gap = Math.max(gap, readings[index]!.receiveTime - readings[index - 1]!.receiveTime);
  return gap;
}

beforeAll(async () => {
  site = track(
    await startTestSite({
      name: 'rtu-backoff',
      rtu: [
        {
          name: 'rs485',
          path: 'pty',
          baudRate: 19200,
          parity: 'even',
          dataBits: 8,
          stopBits: 1,
          devices: [
            { id: 'msa-3', unitId: 3, model: 'msa-ultima-x', options: { concentration: 12.5 } },
            { id: 'msa-4', unitId: 4, model: 'msa-ultima-x', options: { concentration: 34.25 } },
            { id: DEAD, unitId: 5, model: 'msa-ultima-x', options: { concentration: 7 }, fault: 'noAnswer' },
          ],
        },
      ],
    }),
  );
  const devices = [3, 4, 5].map((unitId) => profileDevice('msa-ultima-x', { id: `msa-${unitId}`, line: 'rs485', unitId }, INTERVAL_MS));
  rig = track(startPolling([rtuLineFor(site, 'msa-3', 'rs485', TIMING)], devices));
}, 60_000);

describe('RTU line with a dead slave', () => {
  it('reports the dead slave bad every cycle, keeps the live ones good and on time, and backs the dead one off', async () => {
    // A few seconds of polling: enough for the back-off to reach its cap.
    await waitFor(
      '3 s of readings from the dead slave',
      () => {
        const dead = rig.log.of(`${DEAD}.gas1`);
        return dead.length > 3 && dead.at(-1)!.receiveTime - dead[0]!.receiveTime >= 3000;
      },
      { timeoutMs: 30_000 },
    );

    const dead = rig.log.of(`${DEAD}.gas1`);
    for (const reading of dead) {
      expect(reading.quality).toBe('bad');
      expect(['timeout', 'backoff']).toContain(reading.reason?.code);
      // Names device, unit, function and register: "device msa-5 (unit 5) FC03 address 40201 x8: ...".
      expect(reading.reason?.message).toMatch(/device msa-5 \(unit 5\) FC03 address 402\d\d x\d+/);
    }
    expect(dead.some((reading) => reading.reason?.code === 'backoff')).toBe(true);
    // Silence is never all-clear: the dead slave's points are reported at least as often as a live slave can stall.
    expect(largestGap(dead)).toBeLessThanOrEqual(INTERVAL_MS + TIMEOUT_BUDGET_MS + SLACK_MS);

    const statistics = site.unitHost(DEAD).statistics;
    for (const id of LIVE) {
      const readings = rig.log.of(`${id}.gas1`);
      expect(readings.length).toBeGreaterThan(5);
      for (const reading of readings) expect(reading, id).toMatchObject({ quality: 'good' });
      expect(largestGap(readings), id).toBeLessThanOrEqual(INTERVAL_MS + TIMEOUT_BUDGET_MS + SLACK_MS);
      // Back-off: the dead slave gets markedly fewer requests on the wire than each live one.
      expect(statistics.count({ unitId: 5 }) * 2, `requests to unit 5 vs ${id}`).toBeLessThan(statistics.count({ unitId: Number(id.slice(4)) }));
    }
    expect(rig.log.latest('msa-3.gas1')?.value).toBe(12.5);
    expect(rig.log.latest('msa-4.gas1')?.value).toBe(34.25);
  }, 60_000);

  it('recovers the dead slave to good within the back-off cap once it answers again', async () => {
    site.setCommsFault(DEAD, 'none');
    const cleared = Date.now();
    const good = await rig.log.next(`${DEAD}.gas1`, (reading) => reading.quality === 'good', rig.log.mark(), 30_000);
    expect(good.value).toBe(7);
    expect(good.receiveTime - cleared).toBeLessThanOrEqual(TIMING.backoffMaxMs! + INTERVAL_MS + TIMEOUT_BUDGET_MS + SLACK_MS);
  }, 60_000);
});
