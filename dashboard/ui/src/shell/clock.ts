/** The wall clock, ticking each second while something that shows or judges time by it is on the page. */
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';

const TICK_MS = 1000;

export const now = signal(Date.now());
let tickers = 0;
let timer: ReturnType<typeof setInterval> | null = null;

export function useTicking(): void {
  useEffect(() => {
    tickers += 1;
    timer ??= setInterval(() => (now.value = Date.now()), TICK_MS);
    return () => {
      tickers -= 1;
      if (tickers === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, []);
}
