import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanItem } from './plan.ts';
import { PollSchedule, planRequests, splitAtGaps } from './plan.ts';

const holding = (address: number, width = 1, intervalMs = 1000, first = false): PlanItem => ({ table: 'holding', address, width, intervalMs, first });
const all = (items: readonly PlanItem[]) => items.map((_, index) => index);

describe('planRequests', () => {
  it('reads contiguous registers of one device in one request', () => {
    const items = [holding(0, 2), holding(2, 2), holding(4), holding(5)];
    const plan = planRequests(items, all(items));
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ table: 'holding', address: 0, quantity: 6, members: [0, 1, 2, 3], offsets: [0, 2, 4, 5] });
  });

  it('bridges gaps up to the configured largest gap and no further', () => {
    const items = [holding(0), holding(5), holding(20)];
    const bridged = planRequests(items, all(items), { maxGapRegisters: 4 });
    expect(bridged.map((r) => [r.address, r.quantity])).toEqual([
      [0, 6],
      [20, 1],
    ]);
    const strict = planRequests(items, all(items), { maxGapRegisters: 3 });
    expect(strict.map((r) => [r.address, r.quantity])).toEqual([
      [0, 1],
      [5, 1],
      [20, 1],
    ]);
  });

  it('never reads more than 125 registers or 2000 bits in one request', () => {
    const registers = Array.from({ length: 300 }, (_, i) => holding(i));
    const registerPlan = planRequests(registers, all(registers));
    expect(registerPlan.map((r) => r.quantity)).toEqual([125, 125, 50]);
    const coils = Array.from({ length: 4500 }, (_, i): PlanItem => ({ table: 'coil', address: i, width: 1, intervalMs: 1000 }));
    expect(planRequests(coils, all(coils)).map((r) => r.quantity)).toEqual([2000, 2000, 500]);
  });

  it('does not split a float across two requests at the 125-register limit', () => {
    const items = [holding(0, 2), holding(123, 2)];
    const plan = planRequests(items, all(items), { maxGapRegisters: 200 });
    expect(plan.map((r) => [r.address, r.quantity])).toEqual([[0, 125]]);
    const over = [holding(0, 2), holding(124, 2)];
    expect(planRequests(over, all(over), { maxGapRegisters: 200 }).map((r) => [r.address, r.quantity])).toEqual([
      [0, 2],
      [124, 2],
    ]);
  });

  it('keeps tables apart and reads overlapping points once', () => {
    const items: PlanItem[] = [holding(5), { table: 'input', address: 5, width: 1, intervalMs: 1000 }, holding(5), holding(4, 2)];
    const plan = planRequests(items, all(items));
    expect(plan).toHaveLength(2);
    const holdingRequest = plan.find((r) => r.table === 'holding')!;
    expect(holdingRequest).toMatchObject({ address: 4, quantity: 2 });
    expect(holdingRequest.members).toHaveLength(3);
  });

  it('sends requests carrying status words first', () => {
    const items = [holding(0, 2), holding(50, 1, 1000, true)];
    const plan = planRequests(items, all(items));
    expect(plan.map((r) => r.address)).toEqual([50, 0]);
  });

  it('the single strategy makes one request per point (the benchmark baseline)', () => {
    const items = [holding(0, 2), holding(2, 2), holding(4)];
    expect(planRequests(items, all(items), { strategy: 'single' })).toHaveLength(3);
  });

  it('property: every chosen point is inside exactly one request, within the limits', () => {
    const itemArb = fc.record({
      table: fc.constantFrom('holding' as const, 'input' as const, 'coil' as const),
      address: fc.integer({ min: 0, max: 600 }),
      width: fc.constantFrom(1, 2, 4),
      intervalMs: fc.constant(1000),
    });
    fc.assert(
      fc.property(fc.array(itemArb, { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 30 }), (raw, maxGap) => {
        const items = raw.map((item) => (item.table === 'coil' ? { ...item, width: 1 } : item));
        const plan = planRequests(items, all(items), { maxGapRegisters: maxGap, maxGapBits: maxGap });
        const seen = plan.flatMap((r) => r.members).sort((a, b) => a - b);
        expect(seen).toEqual(all(items));
        for (const request of plan) {
          expect(request.quantity).toBeLessThanOrEqual(request.table === 'coil' ? 2000 : 125);
          request.members.forEach((member, i) => {
            const item = items[member]!;
            expect(item.table).toBe(request.table);
            expect(request.offsets[i]).toBe(item.address - request.address);
            expect(item.address + item.width).toBeLessThanOrEqual(request.address + request.quantity);
          });
        }
        // Fewest requests: no two neighbouring requests of a table could have been one.
        for (let i = 1; i < plan.length; i++) {
          const [before, after] = [plan[i - 1]!, plan[i]!];
          if (before.table !== after.table) continue;
          const limit = after.table === 'coil' ? 2000 : 125;
          const gap = after.address - (before.address + before.quantity);
          const joined = Math.max(after.address + after.quantity, before.address + before.quantity) - before.address;
          expect(gap > maxGap || joined > limit).toBe(true);
        }
      }),
    );
  });
});

describe('PollSchedule', () => {
  it('reads points due together in one request and slower points only when due', () => {
    // Tank gauge: level every 1 s, pressure and temperature every 10 s, all contiguous.
    const items = [holding(0, 2, 1000), holding(2, 2, 10_000), holding(4, 2, 10_000)];
    const schedule = new PollSchedule(items);
    expect(schedule.tickMs).toBe(1000);
    expect(schedule.requestsAt(0).map((r) => [r.address, r.quantity])).toEqual([[0, 6]]);
    expect(schedule.requestsAt(1).map((r) => [r.address, r.quantity])).toEqual([[0, 2]]);
    expect(schedule.requestsAt(10).map((r) => [r.address, r.quantity])).toEqual([[0, 6]]);
    expect(schedule.requestsAt(13).map((r) => [r.address, r.quantity])).toEqual([[0, 2]]);
  });

  it('plans every due-set once at set-up and returns the same plan object afterwards', () => {
    const items = [holding(0, 1, 500), holding(1, 1, 1500), holding(9, 1, 2000)];
    const schedule = new PollSchedule(items);
    expect(schedule.tickMs).toBe(500);
    const planned = schedule.plannedSets;
    expect(planned).toBeGreaterThan(1);
    for (let tick = 0; tick < 100; tick++) schedule.requestsAt(tick);
    expect(schedule.plannedSets).toBe(planned);
    expect(schedule.requestsAt(12)).toBe(schedule.requestsAt(24));
  });
});

describe('splitAtGaps', () => {
  it('cuts a request bridging gaps into contiguous runs of its points, with offsets into each run', () => {
    const items = [holding(0, 2), holding(5, 2), holding(7), holding(12)];
    const [merged] = planRequests(items, all(items));
    expect(merged).toMatchObject({ address: 0, quantity: 13 });
    const parts = splitAtGaps(items, merged!);
    expect(parts.map((r) => [r.address, r.quantity, r.members, r.offsets])).toEqual([
      [0, 2, [0], [0]],
      [5, 3, [1, 2], [0, 2]],
      [12, 1, [3], [0]],
    ]);
  });

  it('keeps points sharing a register in one run and leaves a gap-free request whole', () => {
    const items = [holding(3), holding(3), holding(4, 2)];
    const [request] = planRequests(items, all(items));
    expect(splitAtGaps(items, request!).map((r) => [r.address, r.quantity, r.members])).toEqual([[3, 3, [0, 1, 2]]]);
  });
});
