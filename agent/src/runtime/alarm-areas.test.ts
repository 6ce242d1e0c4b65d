/** The areas of alarms tied to no one point (votes, latches, shut-off discrepancies, devices' comms) on a hand-made config. */
import { describe, expect, it } from 'vitest';
import { alarmAreas, type AreaSource } from './alarm-areas.ts';

const config = {
  site: { areas: [{ id: 'tank-farm' }, { id: 'kitchen' }, { id: 'boiler' }] },
  engine: {
    points: [{ id: 'KD-1.gas', area: 'kitchen' }, { id: 'KD-2.gas', area: 'kitchen' }, { id: 'BD-1.gas', area: 'boiler' }, { id: 'T-1.level', area: 'tank-farm' }, { id: 'spare.gas' }],
    votingGroups: [
      { id: 'kitchen-vote', area: 'kitchen', points: ['KD-1.gas', 'KD-2.gas'] },
      { id: 'across', area: 'boiler', points: ['KD-1.gas', 'BD-1.gas'] },
    ],
    actions: [
      { id: 'kitchen.KV-1', output: 'KV-1', when: ['vote/kitchen-vote'] },
      { id: 'farm.inlet', output: 'T-1-inlet', when: ['T-1.level/hihi'] },
    ],
  },
  outputs: [
    { id: 'KV-1', command: 'KV.command', feedback: { closed: 'KV.closed', open: 'KV.open' } },
    { id: 'T-1-inlet', command: 'T-1.inlet', feedback: { closed: 'T-1.inlet-closed' } },
  ],
  devices: [
    { id: 'KV', points: [{ readingId: 'KV.command' }, { readingId: 'KV.closed' }, { readingId: 'KV.open' }] },
    { id: 'mux', points: [{ readingId: 'KD-2.gas' }, { readingId: 'BD-1.gas' }] },
    { id: 'lonely', points: [{ readingId: 'spare.gas' }] },
  ],
  opcua: [{ id: 'farm-server', points: [{ id: 'T-1.level' }, { id: 'T-1.inlet' }, { id: 'T-1.inlet-closed' }] }],
} as unknown as AreaSource;

describe('alarmAreas', () => {
  const areas = alarmAreas(config);

  it("gives a point's alarm its point's area, and none for a point in no area", () => {
    expect(areas.ofAlarm('KD-1.gas/hi', 'KD-1.gas')).toEqual(['kitchen']);
    expect(areas.ofAlarm('spare.gas/stale', 'spare.gas')).toEqual([]);
  });

  it("gives a vote its group's area and its detectors', each once, in the site's order", () => {
    expect(areas.ofAlarm('vote/kitchen-vote', 'kitchen-vote')).toEqual(['kitchen']);
    expect(areas.ofAlarm('vote/across', 'across')).toEqual(['kitchen', 'boiler']);
  });

  it('gives a latch, a shut-off discrepancy and a failed command the areas of what trips the output', () => {
    expect(areas.ofAlarm('kitchen.KV-1/latched', 'KV-1')).toEqual(['kitchen']);
    expect(areas.ofAlarm('KV-1/shutoff_discrepancy', 'KV-1')).toEqual(['kitchen']);
    expect(areas.ofAlarm('T-1-inlet/command_failed', 'T-1-inlet')).toEqual(['tank-farm']);
    // A stored refusal names its target alone (no owner): an action's id, or its latch.
    expect(areas.ofAlarm('kitchen.KV-1', null)).toEqual(['kitchen']);
  });

  it("gives a device's or a connection's alarm the areas of the points it reads, a valve's the areas it shuts off", () => {
    expect(areas.ofAlarm('KV/comms_loss', 'KV')).toEqual(['kitchen']);
    expect(areas.ofAlarm('mux/modbus_exception', 'mux')).toEqual(['kitchen', 'boiler']);
    expect(areas.ofAlarm('farm-server/comms_loss', 'farm-server')).toEqual(['tank-farm']);
    expect(areas.ofAlarm('lonely/comms_loss', 'lonely')).toEqual([]);
  });

  it("gives the agent's own alarms no area: they are the site's", () => {
    expect(areas.ofAlarm('store/flush_failed', 'agent')).toEqual([]);
    expect(areas.ofAlarm('alarm_flood', null)).toEqual([]);
  });

  it('is kept per config object, and builds nothing before the first question', () => {
    expect(alarmAreas(config)).toBe(areas);
    const untouchable = {
      ...config,
      engine: {
        get points(): never {
          throw new Error('points read');
        },
      },
    } as unknown as AreaSource;
    const lazy = alarmAreas(untouchable);
    expect(() => lazy.ofAlarm('x/hi', 'x')).toThrow('points read');
  });
});
