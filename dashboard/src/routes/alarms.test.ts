/** The alarm list's entries: each alarm's own fields, then its help and its areas, in the bytes an object with them serializes to. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmJson } from './alarms.ts';

const text = fc.string({ unit: 'grapheme' });
const help = fc.option(fc.record({ cause: fc.option(text), consequence: fc.option(text), responseMinutes: fc.option(fc.integer()), action: fc.option(text) }));
const engineAlarm = fc.record({
  id: text,
  pointId: text,
  site: text,
  rule: text,
  state: fc.constantFrom('normal', 'unacknowledged_active', 'acknowledged_active', 'unacknowledged_returned'),
  mode: fc.constantFrom('in_service', 'shelved', 'out_of_service'),
  conditionActive: fc.boolean(),
  priority: fc.constantFrom('emergency', 'high', 'medium', 'low'),
  activeSince: fc.option(fc.integer()),
  shelvedUntil: fc.option(fc.double()),
});
const runtimeAlarm = fc.record({
  id: text,
  source: text,
  rule: text,
  priority: fc.constantFrom('emergency', 'high', 'medium', 'low'),
  state: fc.constantFrom('normal', 'unacknowledged_active'),
  conditionActive: fc.boolean(),
  occurrences: fc.nat(),
  since: fc.integer(),
  why: text,
});

describe('alarmJson', () => {
  it('writes what JSON.stringify({ ...alarm, help, areas }) writes', () => {
    fc.assert(
      fc.property(fc.oneof(engineAlarm, runtimeAlarm), help, fc.array(text), (alarm, alarmHelp, areas) => {
        expect(alarmJson(alarm, alarmHelp, areas)).toBe(JSON.stringify({ ...alarm, help: alarmHelp, areas }));
      }),
    );
  });
});
