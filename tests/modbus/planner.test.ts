/** The planner's requests are minimal, counted at the simulator, for simple layouts and for the 1000-point site. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_REGISTERS_PER_READ, type ReadyDevice } from '@hazmon/protocols';
import type { RunningSite } from '@hazmon/simulators';
import { waitFor } from '@hazmon/test-support';
import { generatedDevice, startBankSite, startPolling, startTestSite, tcpLineFor, trackResources } from '../helpers/harness.ts';

const track = trackResources();
const LOAD_SITE = fileURLToPath(new URL('../../simulators/sites/load-1000.yaml', import.meta.url));
// One cycle per poller start: tick 0 reads every point, the next tick is an hour away.
const ONCE = 3_600_000;
const CYCLES = 3;

type Table = 'holding' | 'input' | 'coil' | 'discrete_input';
interface LayoutPoint {
  table: Table;
  address: number;
}

/** Fewest reads covering sorted addresses of one table when a read spans at most `limit` and may skip at most `maxGap` unused. */
function minimalReads(addresses: readonly number[], width: number, limit: number, maxGap: number): number {
  let reads = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const address of [...addresses].sort((a, b) => a - b)) {
    if (address - end <= maxGap && address + width - start <= limit) {
      end = address + width;
    } else {
      reads += 1;
      start = address;
      end = address + width;
    }
  }
  return reads;
}

const BANK_TABLE: Record<Table, 'holding' | 'input' | 'coil' | 'discreteInput'> = { holding: 'holding', input: 'input', coil: 'coil', discrete_input: 'discreteInput' };

/** The bank defines every register/bit from 0 to the last point, so reads that skip unused ones are legal. */
async function bankSite(points: readonly LayoutPoint[]): Promise<RunningSite> {
  const ends = new Map<Table, number>();
  for (const point of points) ends.set(point.table, Math.max(ends.get(point.table) ?? 0, point.address + 1));
  const isBit = (table: Table): boolean => table === 'coil' || table === 'discrete_input';
  return track(
    await startBankSite('planner', {
      generate: [...ends].map(([table, end]) => ({
        namePrefix: table,
        count: end,
        table: BANK_TABLE[table],
        type: isBit(table) ? 'bool' : 'uint16',
        start: 1,
        step: isBit(table) ? 0 : 1,
      })),
    }),
  );
}

function layoutDevice(points: readonly LayoutPoint[], strategy: 'merge' | 'single'): ReadyDevice {
  return generatedDevice(
    {
      model: `layout-${strategy}`,
      defaults: { intervalMs: ONCE },
      points: points.map((point, index) => ({
        id: `p${index}`,
        table: point.table,
        address: point.address,
        type: point.table === 'coil' || point.table === 'discrete_input' ? 'bool' : 'uint16',
      })),
    },
    { id: `layout-${strategy}`, line: 'bank', unitId: 1, plan: { strategy } },
  );
}

/** Polls `cycles` times (one poller start each) and returns the requests the simulator counted. */
async function requestsAtSimulator(site: RunningSite, device: ReadyDevice, cycles: number): Promise<number> {
  const statistics = site.unitHost('bank').statistics;
  statistics.reset();
  const ids = device.polled.map((index) => device.points[index]!.readingId);
  for (let cycle = 0; cycle < cycles; cycle++) {
    const rig = startPolling([tcpLineFor(site, 'bank', 'bank')], [device]);
    const readings = await rig.log.fresh(ids, 0);
    await rig.stop();
    for (const [id, reading] of readings) expect(reading.quality, `${id}: ${reading.reason?.message}`).toBe('good');
  }
  return statistics.count({ unitId: 1 });
}

const range = (count: number, first: number, step: number, table: Table = 'holding'): LayoutPoint[] => Array.from({ length: count }, (_, index) => ({ table, address: first + index * step }));

const LAYOUTS: { name: string; points: LayoutPoint[]; minimal: number }[] = [
  { name: 'contiguous registers beyond 125', points: range(300, 0, 1), minimal: Math.ceil(300 / MAX_REGISTERS_PER_READ) },
  {
    name: 'registers with small gaps',
    points: range(100, 0, 5),
    minimal: minimalReads(
      range(100, 0, 5).map((p) => p.address),
      1,
      125,
      10,
    ),
  },
  { name: 'two blocks with a large gap', points: [...range(10, 0, 1), ...range(10, 500, 1)], minimal: 2 },
  {
    name: 'mixed tables',
    points: [...range(10, 0, 1, 'holding'), ...range(10, 0, 1, 'input'), ...range(16, 0, 1, 'coil'), ...range(16, 0, 1, 'discrete_input')],
    minimal: 4,
  },
];

describe('request planning counted at the simulator', () => {
  it.each(LAYOUTS.map((layout) => [layout.name, layout] as const))('%s: the plan is minimal and the simulator sees exactly that', async (_name, layout) => {
    const site = await bankSite(layout.points);
    const merged = layoutDevice(layout.points, 'merge');
    expect(merged.schedule.requestsAt(0)).toHaveLength(layout.minimal);
    expect(await requestsAtSimulator(site, merged, CYCLES)).toBe(layout.minimal * CYCLES);
    const single = layoutDevice(layout.points, 'single');
    const oneEach = await requestsAtSimulator(site, single, 1);
    expect(oneEach).toBe(layout.points.length);
    expect(oneEach).toBeGreaterThan(layout.minimal);
    await site.stop();
  });

  it('the 1000-point site: every point read, ceil(registers/125) requests per register table per cycle', async () => {
    const site = track(await startTestSite(LOAD_SITE));
    const line = tcpLineFor(site, 'bank-1', 'load');
    const floats = generatedDevice(
      {
        model: 'load-floats',
        defaults: { table: 'holding', intervalMs: ONCE },
        // Profiles repeat a point at most 256 times, so the 600 floats are listed one by one.
        points: Array.from({ length: 600 }, (_, index) => ({ id: `f${index + 1}`, address: 2 * index, type: 'float32', order: 'ABCD' })),
      },
      { id: 'bank1', line: 'load', unitId: 1 },
    );
    const mixed = generatedDevice(
      {
        model: 'load-mixed',
        defaults: { intervalMs: ONCE },
        points: [
          { id: 'i{n}', table: 'input', address: 0, repeat: { count: 200, step: 2 }, type: 'int32', order: 'CDAB' },
          { id: 'c{n}', table: 'coil', address: 0, repeat: { count: 200, step: 1 }, type: 'bool' },
        ],
      },
      { id: 'bank2', line: 'load', unitId: 2 },
    );
    const statistics = site.unitHost('bank-1').statistics;
    statistics.reset();
    const ids = [floats, mixed].flatMap((device) => device.polled.map((index) => device.points[index]!.readingId));
    expect(ids).toHaveLength(1000);
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const rig = startPolling([line], [floats, mixed]);
      const readings = await rig.log.fresh(ids, 0, 30_000);
      await rig.stop();
      readings.forEach((reading, id) => {
        const n = Number(id.replace(/^.*\.[a-z]/, ''));
        const expected = id.startsWith('bank1.') ? (n - 1) * 0.5 : id.startsWith('bank2.i') ? -100 + (n - 1) : true;
        expect(reading.quality, id).toBe('good');
        expect(reading.value, id).toBe(expected);
      });
    }
    const perCycle = { 1: Math.ceil((600 * 2) / 125), 2: Math.ceil((200 * 2) / 125) + Math.ceil(200 / 2000) };
    await waitFor('the simulator to have counted every request', () => statistics.count() >= CYCLES * (perCycle[1] + perCycle[2]));
    expect(statistics.count({ unitId: 1 })).toBe(CYCLES * perCycle[1]);
    expect(statistics.count({ unitId: 2 })).toBe(CYCLES * perCycle[2]);
    expect(statistics.count({ unitId: 2, functionCode: 1 })).toBe(CYCLES);
  }, 60_000);
});
