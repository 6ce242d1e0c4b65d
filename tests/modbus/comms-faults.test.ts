/** Comms faults injected at the simulator reach the client as the right bad-quality reasons, and clear again. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QualityReasonCode } from '@hazmon/protocols';
import type { CommsFault, RunningSite } from '@hazmon/simulators';
import { profileDevice, startPolling, startTestSite, tcpLineFor, trackResources, type PollingRig } from '../helpers/harness.ts';

const track = trackResources();
let site: RunningSite;
let rig: PollingRig;

beforeAll(async () => {
  site = track(
    await startTestSite({
      name: 'comms-faults',
      tcp: [{ name: 'plant', port: 0, devices: [{ id: 'tank', unitId: 6, model: 'tank-gauge', options: { levelMm: 4321.5 } }] }],
    }),
  );
  const timing = { timeoutMs: 300, retries: 1, backoffBaseMs: 200, backoffMaxMs: 800, reconnectBaseMs: 100, reconnectMaxMs: 800 };
  rig = track(startPolling([tcpLineFor(site, 'tank', 'plant', timing)], [profileDevice('tank-gauge', { id: 'tank', line: 'plant', unitId: 6 })]));
  await rig.log.next('tank.level', (reading) => reading.quality === 'good', 0);
}, 60_000);

// A failed case must not leave its fault on for the next one.
afterEach(() => site.setCommsFault('tank', 'none'));

const CASES: { fault: CommsFault; reasons: QualityReasonCode[]; detail: RegExp }[] = [
  // The peer closing the socket is a lost connection; requests meanwhile fail at once with the same reason.
  { fault: 'closeSocket', reasons: ['connection'], detail: /device tank \(unit 6\) FC03 @40001 x6: .*(closed|down|reset|ECONN)/i },
  { fault: 'garbled', reasons: ['frame'], detail: /device tank \(unit 6\) FC03 @40001 x6: / },
  // Exception 06 "server device busy" is an answer: reported with the device and register, not retried.
  { fault: 'busy', reasons: ['exception'], detail: /device tank \(unit 6\) FC03 @40001 x6: .*\b6\b/ },
  { fault: 'noAnswer', reasons: ['timeout', 'backoff', 'connection'], detail: /device tank \(unit 6\) FC03 @40001 x6: / },
];

describe('comms faults at the simulator', () => {
  it.each(CASES.map((entry) => [entry.fault, entry] as const))('%s -> bad with the right reason, good again when it clears', async (fault, { reasons, detail }) => {
    site.setCommsFault('tank', fault);
    const bad = await rig.log.next('tank.level', (reading) => reading.quality === 'bad');
    expect(reasons).toContain(bad.reason?.code);
    expect(bad.reason?.message).toMatch(detail);
    expect(bad.value).toBeNull();
    // Every point of the request is reported, none silently dropped.
    expect(rig.log.of('tank.pressure').some((reading) => reading.quality === 'bad' && reading.reason?.code === bad.reason?.code)).toBe(true);

    site.setCommsFault('tank', 'none');
    site.device('tank').set('level', 4000 + reasons.length);
    const good = await rig.log.next('tank.level', (reading) => reading.quality === 'good' && reading.value === 4000 + reasons.length, rig.log.mark(), 30_000);
    expect(good.unit).toBe('mm');
  }, 60_000);
});
