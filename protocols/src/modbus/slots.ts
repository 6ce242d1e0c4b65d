/**
 * Takes the slot at `index` out of the first `count` of `slots`, the ones after it moved one place forward (their
 * order kept, oldest first), and puts it at `count - 1`, where the caller, now counting one fewer, reuses it: lists of
 * requests out on a line that allocate nothing per request.
 */
export function takeSlot<T>(slots: T[], count: number, index: number): T {
  const slot = slots[index]!;
  for (let at = index + 1; at < count; at++) slots[at - 1] = slots[at]!;
  slots[count - 1] = slot;
  return slot;
}
