/** A Modbus TCP line with several requests in flight (`timing.maxInFlight`) against the simulator's multi-unit server. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSite } from '@hazmon/simulators';
import { profileDevice, startPolling, startTestSite, tcpLineFor, trackResources, type PollingRig } from '../helpers/harness.ts';

const track = trackResources();
const UNITS = [1, 2, 3, 4];
/** Each gauge's level tells its answers apart. */
const levelOf = (unitId: number) => 1000 * unitId + 0.5;
let site: RunningSite;
let rig: PollingRig;

beforeAll(async () => {
  site = track(
    await startTestSite({
      name: 'pipelined',
      tcp: [{ name: 'plant', port: 0, devices: UNITS.map((unitId) => ({ id: `tank-${unitId}`, unitId, model: 'tank-gauge', options: { levelMm: levelOf(unitId) } })) }],
    }),
  );
  const timing = { maxInFlight: 4, timeoutMs: 300, retries: 1, backoffBaseMs: 200, backoffMaxMs: 800, reconnectBaseMs: 100, reconnectMaxMs: 800 };
  rig = track(
    startPolling(
      [tcpLineFor(site, 'tank-1', 'plant', timing)],
      UNITS.map((unitId) => profileDevice('tank-gauge', { id: `tank-${unitId}`, line: 'plant', unitId })),
    ),
  );
  for (const unitId of UNITS) await rig.log.next(`tank-${unitId}.level`, (reading) => reading.quality === 'good', 0);
}, 60_000);

afterEach(() => site.setCommsFault('tank-2', 'none'));

const badOthers = (since: number) =>
  UNITS.filter((unitId) => unitId !== 2)
    .flatMap((unitId) => rig.log.of(`tank-${unitId}.level`, since))
    .filter((reading) => reading.quality !== 'good');

describe('several requests in flight on one connection to the simulator', () => {
  it("reads every unit's own registers", async () => {
    const since = rig.log.mark();
    const latest = await rig.log.fresh(
      UNITS.map((unitId) => `tank-${unitId}.level`),
      since,
    );
    expect(UNITS.map((unitId) => latest.get(`tank-${unitId}.level`)?.value)).toEqual(UNITS.map(levelOf));
    const misread = UNITS.flatMap((unitId) => rig.log.of(`tank-${unitId}.level`, since).filter((reading) => reading.value !== levelOf(unitId)));
    expect(misread).toEqual([]);
  });

  it('reports a silent unit as timed out and backed off while the others on the line stay good', async () => {
    const since = rig.log.mark();
    site.setCommsFault('tank-2', 'noAnswer');
    const bad = await rig.log.next('tank-2.level', (reading) => reading.reason?.code === 'backoff', since);
    expect(rig.log.of('tank-2.level', since).some((reading) => reading.reason?.code === 'timeout')).toBe(true);
    expect(bad.reason?.message).toMatch(/^device tank-2 \(unit 2\) FC03 @40001 x6: unit backed off/);
    // The others answered meanwhile: the line is not silent and is not reconnected.
    expect(badOthers(since)).toEqual([]);
    site.setCommsFault('tank-2', 'none');
    await rig.log.next('tank-2.level', (reading) => reading.quality === 'good', rig.log.mark(), 30_000);
  }, 60_000);

  it("resynchronises on a garbled answer: the garbled unit's reading is a frame error, the others' outstanding are reported, none silently lost", async () => {
    const since = rig.log.mark();
    site.setCommsFault('tank-2', 'garbled');
    await rig.log.next('tank-2.level', (reading) => reading.reason?.code === 'frame', since);
    site.setCommsFault('tank-2', 'none');
    await rig.log.next('tank-2.level', (reading) => reading.quality === 'good', rig.log.mark(), 30_000);
    for (const reading of badOthers(since)) {
      expect(reading.reason?.code).toBe('connection');
      expect(reading.reason?.message).toMatch(/no answer read: garbled frame, reconnecting to resynchronise: /);
    }
    for (const unitId of UNITS) await rig.log.next(`tank-${unitId}.level`, (reading) => reading.quality === 'good' && reading.value === levelOf(unitId), rig.log.mark());
  }, 60_000);
});
