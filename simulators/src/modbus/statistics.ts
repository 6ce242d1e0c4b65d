/** Counts requests per unit id / function code / start address / quantity, so tests can see what a client asked. */

export interface RequestCountFilter {
  unitId?: number;
  functionCode?: number;
  address?: number;
  quantity?: number;
}

export interface RequestCountEntry {
  unitId: number;
  functionCode: number;
  address: number;
  quantity: number;
  count: number;
}

// unit (8 bits) | function (8 bits) | address (16 bits) | quantity (16 bits): 48 bits, exact in a double.
const ADDRESS_FACTOR = 0x10000;
const FUNCTION_FACTOR = ADDRESS_FACTOR * 0x10000;
const UNIT_FACTOR = FUNCTION_FACTOR * 0x100;

export class RequestStatistics {
  private readonly counts = new Map<number, number>();
  private totalRequests = 0;

  record(unitId: number, functionCode: number, address: number, quantity: number): void {
    const key = unitId * UNIT_FACTOR + functionCode * FUNCTION_FACTOR + address * ADDRESS_FACTOR + quantity;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.totalRequests++;
  }

  /** Number of requests that match every field given in the filter (all requests when the filter is empty). */
  count(filter: RequestCountFilter = {}): number {
    if (filter.unitId === undefined && filter.functionCode === undefined && filter.address === undefined && filter.quantity === undefined) {
      return this.totalRequests;
    }
    let sum = 0;
    for (const entry of this.entries()) {
      if (filter.unitId !== undefined && entry.unitId !== filter.unitId) continue;
      if (filter.functionCode !== undefined && entry.functionCode !== filter.functionCode) continue;
      if (filter.address !== undefined && entry.address !== filter.address) continue;
      if (filter.quantity !== undefined && entry.quantity !== filter.quantity) continue;
      sum += entry.count;
    }
    return sum;
  }

  entries(): RequestCountEntry[] {
    const out: RequestCountEntry[] = [];
    for (const [key, count] of this.counts) {
      out.push({
        unitId: Math.floor(key / UNIT_FACTOR),
        functionCode: Math.floor(key / FUNCTION_FACTOR) % 0x100,
        address: Math.floor(key / ADDRESS_FACTOR) % 0x10000,
        quantity: key % 0x10000,
        count,
      });
    }
    return out;
  }

  reset(): void {
    this.counts.clear();
    this.totalRequests = 0;
  }
}
