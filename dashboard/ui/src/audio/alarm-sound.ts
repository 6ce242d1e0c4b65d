/**
 * The audible alarm (GB 16808): a tone pattern per priority, repeated while an unacknowledged alarm stands. Silence
 * stops it without acknowledging; an alarm that was not yet there when silenced sounds again, and so does a silenced
 * one acknowledged and raised again (a new start); one active again after it returned unacknowledged keeps its start
 * (the engine's one annunciation until acknowledged) and stays silenced. Where the browser's
 * autoplay policy keeps the AudioContext suspended, `audio` says "blocked" and the shell asks for a click.
 *
 * The state is mirrored on `<html data-audible>` ("off", a priority, "silenced", "blocked") for tests.
 */
import { computed, effect, signal } from '@preact/signals';
import type { Priority } from '../api/types.ts';
import { highestPriority, type UnacknowledgedAlarm, unacknowledged } from '../live/alarm-summary.ts';

export type AudibleState = 'off' | Priority | 'silenced' | 'blocked';

/** Beeps per cycle (frequency Hz, length ms, gap ms) and the cycle length: faster and higher as the priority rises. */
const PATTERNS: Record<Priority, { readonly hz: number; readonly beeps: number; readonly beepMs: number; readonly gapMs: number; readonly cycleMs: number }> = {
  emergency: { hz: 1400, beeps: 3, beepMs: 150, gapMs: 100, cycleMs: 1000 },
  high: { hz: 1000, beeps: 2, beepMs: 200, gapMs: 150, cycleMs: 2000 },
  medium: { hz: 800, beeps: 1, beepMs: 300, gapMs: 0, cycleMs: 3000 },
  low: { hz: 600, beeps: 1, beepMs: 250, gapMs: 0, cycleMs: 6000 },
};

/** An alarm's activation: the engine gives an alarm a new start each time it becomes active. */
const activationOf = (alarm: UnacknowledgedAlarm) => `${alarm.id}\u0000${alarm.since}`;

/** The activations that stood unacknowledged when Silence was pressed and still do. */
const silencedActivations = signal<ReadonlySet<string>>(new Set());
const contextBlocked = signal(false);

const sounding = computed(() => unacknowledged.value.filter((alarm) => !silencedActivations.value.has(activationOf(alarm))));

export const audible = computed<AudibleState>(() => {
  const priority = highestPriority(sounding.value);
  if (priority === null) return unacknowledged.value.length > 0 ? 'silenced' : 'off';
  return contextBlocked.value ? 'blocked' : priority;
});

export function silence(): void {
  silencedActivations.value = new Set(unacknowledged.value.map(activationOf));
}

let context: AudioContext | null = null;

function audioContext(): AudioContext {
  context ??= new AudioContext();
  contextBlocked.value = context.state !== 'running';
  context.onstatechange = () => {
    contextBlocked.value = context?.state !== 'running';
  };
  return context;
}

/** Called from a click: a user gesture lets the browser start the sound. */
export function enableSound(): void {
  void audioContext().resume();
}

function playCycle(priority: Priority): void {
  const ctx = audioContext();
  if (ctx.state !== 'running') {
    void ctx.resume();
    return;
  }
  const pattern = PATTERNS[priority];
  for (let beep = 0; beep < pattern.beeps; beep += 1) {
    const start = ctx.currentTime + (beep * (pattern.beepMs + pattern.gapMs)) / 1000;
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.frequency.value = pattern.hz;
    oscillator.type = 'square';
    gain.gain.value = 0.2;
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(start);
    oscillator.stop(start + pattern.beepMs / 1000);
  }
}

/** Starts following the alarm list: call once at start-up. */
export function startAlarmSound(): () => void {
  let timer: ReturnType<typeof setInterval> | null = null;
  let playing: Priority | null = null;
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = null;
    playing = null;
  };
  const forgetWhatNoLongerStands = effect(() => {
    // An activation acknowledged (or gone) leaves the set, so its id raised again later sounds even if its start is unknown.
    const standing = new Set(unacknowledged.value.map(activationOf));
    const silenced = silencedActivations.peek();
    if ([...silenced].some((activation) => !standing.has(activation))) silencedActivations.value = new Set([...silenced].filter((activation) => standing.has(activation)));
  });
  const follow = effect(() => {
    const priority = highestPriority(sounding.value);
    if (priority === null) return stopTimer();
    if (priority !== playing) {
      stopTimer();
      playing = priority;
      playCycle(priority);
      timer = setInterval(() => playCycle(priority), PATTERNS[priority].cycleMs);
    }
  });
  const mirror = effect(() => {
    document.documentElement.dataset['audible'] = audible.value;
  });
  return () => {
    stopTimer();
    follow();
    mirror();
    forgetWhatNoLongerStands();
  };
}
