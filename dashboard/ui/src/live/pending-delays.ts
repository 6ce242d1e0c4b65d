/**
 * The running on- and off-delays (GB 16808-2025 5.5.1.3: a running delay is shown with its time), soonest due first,
 * and a clock that ticks only while one runs, for their countdowns.
 */
import { computed, effect, signal } from '@preact/signals';
import type { PendingDelay } from '../api/types.ts';
import { alarms } from './store.ts';

const COUNTDOWN_TICK_MS = 250;

export const pendingDelays = computed(() => [...alarms.value.pending].sort((a, b) => a.dueAt - b.dueAt || a.alarmId.localeCompare(b.alarmId)));

export const countdownClock = signal(Date.now());

let timer: ReturnType<typeof setInterval> | null = null;
effect(() => {
  if (pendingDelays.value.length > 0) {
    countdownClock.value = Date.now();
    timer ??= setInterval(() => (countdownClock.value = Date.now()), COUNTDOWN_TICK_MS);
  } else if (timer !== null) {
    clearInterval(timer);
    timer = null;
  }
});

/**
 * Whole seconds until the delay runs out, counted on this browser's clock; never more than the delay itself (a clock
 * behind the server's) nor below 0 (the agent completes it at its next reading or tick, then the alarm list reloads).
 */
export function secondsLeft(delay: PendingDelay, now: number): number {
  return Math.ceil(Math.max(0, Math.min(delay.dueAt - now, delay.delayMs)) / 1000);
}
