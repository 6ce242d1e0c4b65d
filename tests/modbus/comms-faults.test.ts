/** Comms faults injected at the simulator reach the client as the right bad-quality reasons, and clear again. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QualityReasonCode } from '@hazmon/protocols';
import type { CommsFault, RunningSite } from '@hazmon/simulators';
import { profileDevice, rtuLineFor, startPolling, startTestSite, tcpLineFor, trackResources, type PollingRig } from '../helpers/harness.ts';

const track = trackResources();
let site: RunningSite;
let rig: PollingRig;
const TANK = { unitId: 6, model: 'tank-gauge', options: { levelMm: 4321.5 } } as const;

beforeAll(async () => {
  site = track(
    await startTestSite({
      name: 'comms-faults',
      tcp: [
        {
          name: 'plant',
          port: 0,
          devices: [
            { id: 'tank', ...TANK },
            { id: 'neighbour', ...TANK, unitId: 7 },
          ],
        },
      ],
      rtu: [{ name: 'rs485', path: 'pty', baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1, devices: [{ id: 'tank-rtu', ...TANK }] }],
    }),
  );
  const timing = { timeoutMs: 300, retries: 1, backoffBaseMs: 200, backoffMaxMs: 800, reconnectBaseMs: 100, reconnectMaxMs: 800 };
  rig = track(
    startPolling(
      [tcpLineFor(site, 'tank', 'plant', timing), rtuLineFor(site, 'tank-rtu', 'rs485', timing)],
      [
        profileDevice('tank-gauge', { id: 'tank', line: 'plant', unitId: 6 }),
        profileDevice('tank-gauge', { id: 'neighbour', line: 'plant', unitId: 7 }),
        profileDevice('tank-gauge', { id: 'tank-rtu', line: 'rs485', unitId: 6 }),
      ],
    ),
  );
  await rig.log.next('tank.level', (reading) => reading.quality === 'good', 0);
  await rig.log.next('tank-rtu.level', (reading) => reading.quality === 'good', 0);
  await rig.log.next('neighbour.level', (reading) => reading.quality === 'good', 0);
}, 60_000);

// A failed case must not leave its fault on for the next one.
afterEach(() => {
  site.setCommsFault('tank', 'none');
  site.setCommsFault('tank-rtu', 'none');
});

const SILENT: QualityReasonCode[] = ['timeout', 'backoff'];
const CASES: { device: string; fault: CommsFault; reasons: QualityReasonCode[]; detail?: RegExp }[] = [
  // The peer closing the socket is a lost connection; requests meanwhile fail at once with the same reason.
  { device: 'tank', fault: 'closeSocket', reasons: ['connection'], detail: /(closed|down|reset|ECONN)/i },
  { device: 'tank', fault: 'garbled', reasons: ['frame'] },
  // An MBAP protocol id other than 0 is not Modbus: refused, never taken for the registers' values.
  { device: 'tank', fault: 'wrongProtocolId', reasons: ['frame'], detail: /MBAP protocol id 1, not Modbus/ },
  // Exception 06 "server device busy" is an answer: reported with the device and register, not retried.
  { device: 'tank', fault: 'busy', reasons: ['exception'], detail: /exception 6/ },
  // Three silent attempts in a row make the TCP line reconnect (a half-open connection never closes by itself).
  { device: 'tank', fault: 'noAnswer', reasons: [...SILENT, 'connection'] },
  // On a serial line there is no socket to close: the slave falls silent.
  { device: 'tank-rtu', fault: 'closeSocket', reasons: SILENT },
  { device: 'tank-rtu', fault: 'garbled', reasons: ['frame'], detail: /CRC/ },
  { device: 'tank-rtu', fault: 'busy', reasons: ['exception'], detail: /exception 6/ },
  { device: 'tank-rtu', fault: 'noAnswer', reasons: SILENT },
];

describe('comms faults at the simulator', () => {
  it.each(CASES.map((entry, index) => [entry.device, entry.fault, { ...entry, index }] as const))(
    '%s %s -> bad with the right reason naming device and register, good again when it clears',
    async (device, fault, { reasons, detail, index }) => {
      site.setCommsFault(device, fault);
      const bad = await rig.log.next(`${device}.level`, (reading) => reading.quality === 'bad');
      expect(reasons).toContain(bad.reason?.code);
      expect(bad.reason?.message).toMatch(new RegExp(`^device ${device} \\(unit 6\\) FC03 @40001 x6: `));
      if (detail) expect(bad.reason?.message).toMatch(detail);
      expect(bad.value).toBeNull();
      // Every point of the request is reported, none silently dropped.
      expect(rig.log.of(`${device}.pressure`).some((reading) => reading.quality === 'bad' && reading.reason?.code === bad.reason?.code)).toBe(true);

      site.setCommsFault(device, 'none');
      const level = 4000 + index;
      site.device(device).set('level', level);
      const good = await rig.log.next(`${device}.level`, (reading) => reading.quality === 'good' && reading.value === level, rig.log.mark(), 30_000);
      expect(good.unit).toBe('mm');
    },
    60_000,
  );
});

describe('a garbled answer on a shared TCP line', () => {
  it('resynchronises the connection without counting the other units on the line as lost', async () => {
    const since = rig.log.mark();
    site.setCommsFault('tank', 'garbled');
    // Several garbled answers, each followed by a fresh connection.
    for (let frames = 0; frames < 3; frames += 1) await rig.log.next('tank.level', (reading) => reading.reason?.code === 'frame', rig.log.mark());
    site.setCommsFault('tank', 'none');
    await rig.log.next('tank.level', (reading) => reading.quality === 'good', rig.log.mark(), 30_000);
    const neighbour = rig.log.of('neighbour.level', since);
    expect(neighbour.length).toBeGreaterThan(0);
    expect(neighbour.filter((reading) => reading.quality !== 'good').map((reading) => reading.reason?.message)).toEqual([]);
  }, 60_000);
});
