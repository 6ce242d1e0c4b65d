/** Request planner: merges one device's points into the fewest reads, per set of intervals that fall due together. */
import type { Table } from './point.ts';
import { MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ, isBitTable } from './point.ts';

/** One polled point as the planner sees it: where it is, how wide, how often. */
export interface PlanItem {
  readonly table: Table;
  readonly address: number;
  /** Registers, or bits on coil / discrete_input tables. */
  readonly width: number;
  readonly intervalMs: number;
  /** Requests holding a `first` item go first in a cycle (status words, so measurements see this cycle's flags). */
  readonly first?: boolean;
}

/** merge: fewest requests (the default); single: one request per point, the baseline the benchmark compares with. */
export type PlanStrategy = 'merge' | 'single';

export interface PlanOptions {
  readonly strategy?: PlanStrategy;
  /** Largest run of unused registers read to save a request (default 10). */
  readonly maxGapRegisters?: number;
  /** Largest run of unused bits read to save a request (default 64). */
  readonly maxGapBits?: number;
  readonly maxRegisters?: number;
  readonly maxBits?: number;
}

/** One read request and which items it carries; `offsets[i]` is item `members[i]`'s register or bit offset. */
export interface PlannedRequest {
  readonly table: Table;
  readonly address: number;
  readonly quantity: number;
  readonly members: readonly number[];
  readonly offsets: readonly number[];
}

/** Plans one set of items (all due together) into requests; pure. */
export function planRequests(items: readonly PlanItem[], chosen: readonly number[], options: PlanOptions = {}): PlannedRequest[] {
  const order = [...chosen].sort((a, b) => compareItems(items[a]!, items[b]!));
  const requests: { table: Table; address: number; end: number; members: number[]; first: boolean }[] = [];
  let current: (typeof requests)[number] | undefined;
  for (const index of order) {
    const item = items[index]!;
    const bits = isBitTable(item.table);
    const limit = bits ? (options.maxBits ?? MAX_BITS_PER_READ) : (options.maxRegisters ?? MAX_REGISTERS_PER_READ);
    const gap = bits ? (options.maxGapBits ?? 64) : (options.maxGapRegisters ?? 10);
    const end = item.address + item.width;
    const fits = current !== undefined && options.strategy !== 'single' && current.table === item.table && item.address - current.end <= gap && Math.max(current.end, end) - current.address <= limit;
    if (fits && current) {
      current.end = Math.max(current.end, end);
      current.members.push(index);
      current.first ||= item.first === true;
    } else {
      current = { table: item.table, address: item.address, end, members: [index], first: item.first === true };
      requests.push(current);
    }
  }
  // Stable sort keeps address order among equals.
  requests.sort((a, b) => Number(b.first) - Number(a.first));
  return requests.map((request) => ({
    table: request.table,
    address: request.address,
    quantity: request.end - request.address,
    members: request.members,
    offsets: request.members.map((index) => items[index]!.address - request.address),
  }));
}

/**
 * Splits a planned request into contiguous runs of its members' own registers or bits, dropping the gaps it bridged;
 * a gap-free request comes back as the only element. Sub-requests never exceed the original's size limit.
 */
export function splitAtGaps(items: readonly PlanItem[], request: PlannedRequest): PlannedRequest[] {
  const runs: PlannedRequest[] = [];
  let start = 0;
  while (start < request.members.length) {
    const address = items[request.members[start]!]!.address;
    let end = address;
    let stop = start;
    // Members are in address order; overlapping points (bits of one register) stay in one run.
    while (stop < request.members.length && items[request.members[stop]!]!.address <= end) {
      const item = items[request.members[stop]!]!;
      end = Math.max(end, item.address + item.width);
      stop += 1;
    }
    const members = request.members.slice(start, stop);
    runs.push({ table: request.table, address, quantity: end - address, members, offsets: members.map((index) => items[index]!.address - address) });
    start = stop;
  }
  return runs;
}

function compareItems(a: PlanItem, b: PlanItem): number {
  if (a.table !== b.table) return a.table < b.table ? -1 : 1;
  return a.address - b.address || a.width - b.width;
}

/** Largest hyperperiod (in ticks) whose due-sets are all planned up front; longer ones are planned on first use. */
const PRECOMPUTE_TICKS = 4096;

/**
 * A device's whole polling plan: ticks every `tickMs` (the gcd of the intervals); at tick n the items whose
 * interval divides n * tickMs are due, and are read in the requests planned for exactly that due-set.
 */
export class PollSchedule {
  readonly tickMs: number;
  private readonly classEvery: number[] = [];
  private readonly classMembers: number[][] = [];
  private readonly plans = new Map<number, readonly PlannedRequest[]>();

  constructor(
    private readonly items: readonly PlanItem[],
    private readonly options: PlanOptions = {},
  ) {
    const intervals = [...new Set(items.map((item) => item.intervalMs))].sort((a, b) => a - b);
    if (intervals.length > 30) throw new RangeError(`a device may poll at most 30 distinct intervals, got ${intervals.length}`);
    this.tickMs = intervals.reduce(gcd, 0) || 1000;
    for (const interval of intervals) {
      this.classEvery.push(interval / this.tickMs);
      this.classMembers.push(items.flatMap((item, index) => (item.intervalMs === interval ? [index] : [])));
    }
    const hyperperiod = this.classEvery.reduce(lcm, 1);
    if (hyperperiod <= PRECOMPUTE_TICKS) for (let tick = 0; tick < hyperperiod; tick++) this.requestsAt(tick);
  }

  /** The requests to send at tick n (tick 0 reads everything). Cheap after the first call per due-set. */
  requestsAt(tick: number): readonly PlannedRequest[] {
    let mask = 0;
    for (let c = 0; c < this.classEvery.length; c++) if (tick % this.classEvery[c]! === 0) mask |= 1 << c;
    let plan = this.plans.get(mask);
    if (plan === undefined) {
      const chosen: number[] = [];
      for (let c = 0; c < this.classMembers.length; c++) if (mask & (1 << c)) chosen.push(...this.classMembers[c]!);
      plan = planRequests(this.items, chosen, this.options);
      this.plans.set(mask, plan);
    }
    return plan;
  }

  /** The request cut into gap-free sub-requests (see splitAtGaps); for a device that refuses reads across undefined registers. */
  gapFree(request: PlannedRequest): PlannedRequest[] {
    return splitAtGaps(this.items, request);
  }

  /** How many distinct due-sets have a plan so far (for tests and diagnostics). */
  get plannedSets(): number {
    return this.plans.size;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
