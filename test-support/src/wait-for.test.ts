import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.ts';

describe('waitFor', () => {
  it('returns the first answer that is not undefined, null or false, counting 0 as an answer', async () => {
    const answers = [undefined, null, false, 0, 7];
    expect(await waitFor('a count', () => answers.shift(), { everyMs: 1 })).toBe(0);
  });

  it('awaits an async probe', async () => {
    let probes = 0;
    expect(await waitFor('the third probe', async () => ++probes === 3 && 'done', { everyMs: 1 })).toBe('done');
  });

  it('fails naming what it waited for and the state it saw', async () => {
    await expect(waitFor('the valve to close', () => false, { timeoutMs: 30, everyMs: 5, state: () => 'valve open' })).rejects.toThrow(
      'timed out after 30 ms waiting for the valve to close: valve open',
    );
  });
});
