/**
 * A report of a time range (alarm health, shift report): asked again whenever the range changes, and an answer that
 * arrives after a later range was chosen is dropped, so the page never shows one range's figures under another's title.
 */
import { type Signal, useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Range } from './RangePicker.tsx';
import { errorText } from '../api/error-text.ts';

export interface RangeQuery<T> {
  /** null while the range's answer is on its way. */
  readonly answer: Signal<T | null>;
  /** The server's message, or the network's failure. */
  readonly error: Signal<string | null>;
}

/** GET `route?from=&to=` of the range. */
export function useRangeQuery<T>(route: string, range: Range): RangeQuery<T> {
  const answer = useSignal<T | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    let current = true;
    error.value = null;
    answer.value = null;
    api
      .get<T>(`${route}?from=${range.from}&to=${range.to}`)
      .then((received) => {
        if (current) answer.value = received;
      })
      .catch((failure: unknown) => {
        if (current) error.value = errorText(failure);
      });
    return () => {
      current = false;
    };
  }, [route, range]);
  return { answer, error };
}
