/** Silence and what sounds again after it (dashboard/ui/src/audio/alarm-sound.ts), without a browser. */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { stubBrowserGlobals } from '../browser-globals.test-support.ts';
import type { EngineAlarm, Priority } from '../api/types.ts';
import { engineAlarm } from '../live/engine-alarm.test-support.ts';

type SoundModule = typeof import('./alarm-sound.ts');
type StoreModule = typeof import('../live/store.ts');
let sound: SoundModule;
let store: StoreModule;
let stopSound: () => void;

/** An AudioContext that runs and plays nothing. */
class SilentAudioContext {
  readonly state = 'running';
  readonly currentTime = 0;
  readonly destination = {};
  onstatechange: (() => void) | null = null;
  resume = () => Promise.resolve();
  createOscillator = () => ({ frequency: { value: 0 }, type: '', connect: (next: unknown) => next, start: () => undefined, stop: () => undefined });
  createGain = () => ({ gain: { value: 0 }, connect: (next: unknown) => next });
}

beforeAll(async () => {
  stubBrowserGlobals('en');
  vi.stubGlobal('AudioContext', SilentAudioContext);
  sound = await import('./alarm-sound.ts');
  store = await import('../live/store.ts');
  stopSound = sound.startAlarmSound();
  sound.enableSound();
});

afterAll(() => stopSound());

const alarm = (id: string, priority: Priority, activeSince: number, state: EngineAlarm['state']) => engineAlarm(id, activeSince, state, priority);
const show = (...engine: EngineAlarm[]) => {
  store.alarms.value = { engine, runtime: [], pending: [] };
};

it('keeps a silenced alarm silent while it stands unacknowledged; sounds it again once raised after an acknowledgement, whatever else still stands', () => {
  const standing = alarm('GD-2/lo', 'low', 1_000, 'unacknowledged_active');
  show(alarm('GD-1/hi', 'high', 2_000, 'unacknowledged_active'), standing);
  expect(sound.audible.value).toBe('high');
  sound.silence();
  expect(sound.audible.value).toBe('silenced');

  // Acknowledged, then raised again while GD-2/lo still stands silenced: acknowledged, it left the silenced set, so it
  // sounds even were its start the same.
  show(alarm('GD-1/hi', 'high', 2_000, 'acknowledged_active'), standing);
  expect(sound.audible.value).toBe('silenced');
  show(alarm('GD-1/hi', 'high', 2_000, 'unacknowledged_active'), standing);
  expect(sound.audible.value).toBe('high');
  sound.silence();

  // Returned unacknowledged, then active again: the engine keeps its start, one annunciation still silenced.
  show(alarm('GD-1/hi', 'high', 2_000, 'unacknowledged_returned'), standing);
  expect(sound.audible.value).toBe('silenced');
  show(alarm('GD-1/hi', 'high', 2_000, 'unacknowledged_active'), standing);
  expect(sound.audible.value).toBe('silenced');

  show();
  expect(sound.audible.value).toBe('off');
});
