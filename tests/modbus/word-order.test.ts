/** The register bank serves 32- and 64-bit values in all four word orders; points with the same order decode them exactly. */
import { beforeAll, describe, expect, it } from 'vitest';
import { WORD_ORDERS, type WordOrder } from '@hazmon/protocols';
import type { RunningSite } from '@hazmon/simulators';
import { generatedDevice, startBankSite, startPolling, tcpLineFor, trackResources, type PollingRig } from '../helpers/harness.ts';

const track = trackResources();

// Every byte of each value differs from its neighbours, so any other order decodes to something else.
const VALUES = {
  int32: -123456789, // 0xF8A432EB
  uint32: 0xdeadbeef,
  float32: Math.fround(-1234.5678),
  float64: 12345.678901234567,
} as const;
type WideType = keyof typeof VALUES;
const TYPES = Object.keys(VALUES) as WideType[];
const WIDTH: Record<WideType, number> = { int32: 2, uint32: 2, float32: 2, float64: 4 };

interface Slot {
  id: string;
  type: WideType;
  order: WordOrder;
  address: number;
}

const slots: Slot[] = [];
let nextAddress = 0;
for (const order of WORD_ORDERS) {
  for (const type of TYPES) {
    slots.push({ id: `${type}_${order}`, type, order, address: nextAddress });
    nextAddress += WIDTH[type];
  }
}

/** The order a deliberately wrong point uses: the next one in the list. */
function otherOrder(order: WordOrder): WordOrder {
  return WORD_ORDERS[(WORD_ORDERS.indexOf(order) + 1) % WORD_ORDERS.length]!;
}

function profileWith(model: string, orderOf: (slot: Slot) => WordOrder): { model: string } & Record<string, unknown> {
  return {
    model,
    defaults: { table: 'holding', intervalMs: 100 },
    points: slots.map((slot) => ({ id: slot.id, address: slot.address, type: slot.type, order: orderOf(slot) })),
  };
}

let site: RunningSite;
let rig: PollingRig;

beforeAll(async () => {
  site = track(
    await startBankSite('word-orders', {
      points: slots.map((slot) => ({ name: slot.id, table: 'holding', address: slot.address, type: slot.type, value: VALUES[slot.type], wordOrder: slot.order })),
    }),
  );
  rig = track(
    startPolling(
      [tcpLineFor(site, 'bank', 'bank')],
      [
        generatedDevice(
          profileWith('matched-orders', (slot) => slot.order),
          { id: 'matched', line: 'bank', unitId: 1 },
        ),
        generatedDevice(
          profileWith('mismatched-orders', (slot) => otherOrder(slot.order)),
          { id: 'mismatched', line: 'bank', unitId: 1 },
        ),
      ],
    ),
  );
}, 60_000);

describe('word orders', () => {
  it.each(slots.map((slot) => [slot.id, slot] as const))('%s decodes exactly with the matching order and not with another', async (_id, slot) => {
    const matched = await rig.log.next(`matched.${slot.id}`, () => true, 0);
    expect(matched.quality).toBe('good');
    expect(matched.value).toBe(VALUES[slot.type]);
    const mismatched = await rig.log.next(`mismatched.${slot.id}`, () => true, 0);
    expect(mismatched.value, `${slot.id} read as ${otherOrder(slot.order)}`).not.toBe(VALUES[slot.type]);
  });
});
