import { StoreError } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { ApiError, errorAnswer } from './errors.ts';

describe('errorAnswer', () => {
  it("answers a store read that found no memory as busy (503, Retry-After), logging DuckDB's words and sending none", () => {
    const logged: string[] = [];
    const duckdb = new Error('Out of Memory Error: failed to allocate data of size 192.0 KiB (928.0 KiB/1.0 MiB used)');
    const answer = errorAnswer(new StoreError('HAZMON_STORE_BUSY', `a read found no memory under the store's memory_limit: ${duckdb.message}`, { cause: duckdb }), (line) => logged.push(line));
    expect(answer.status).toBe(503);
    expect(answer.headers).toEqual({ 'Retry-After': '1' });
    expect(answer.body.error.code).toBe('HAZMON_API_BUSY');
    expect(answer.body.error.message).not.toMatch(/Out of Memory|KiB/);
    expect(logged).toEqual([expect.stringMatching(/^web server: HAZMON_STORE_BUSY: .*Out of Memory Error: failed to allocate/)]);
  });

  it('answers a read stopped at the store time limit as busy (503) asking for less, without Retry-After', () => {
    const answer = errorAnswer(new StoreError('HAZMON_STORE_READ_TIMEOUT', 'a read ran longer than 30 s and was stopped: ask for a shorter range or a smaller page'), () => undefined);
    expect(answer).toEqual({
      status: 503,
      headers: {},
      body: { error: { code: 'HAZMON_API_BUSY', message: 'a read ran longer than 30 s and was stopped: ask for a shorter range or a smaller page' } },
    });
  });

  it("answers a range the store refuses as the request's fault (400) in the store's words, not as a fault to retry", () => {
    const message = 'unseenSpans: over 100000 spans without readings: ask a shorter range';
    expect(errorAnswer(new StoreError('HAZMON_STORE_BAD_RANGE', message), () => undefined)).toEqual({ status: 400, headers: {}, body: { error: { code: 'HAZMON_API_INVALID', message } } });
  });

  it("answers the agent's other errors as 500 with their code, and anything else as a 500 that names no detail", () => {
    const logged: string[] = [];
    expect(errorAnswer(new StoreError('HAZMON_STORE_CLOSED', 'the store is closed'), (line) => logged.push(line))).toMatchObject({
      status: 500,
      body: { error: { code: 'HAZMON_STORE_CLOSED', message: 'the store is closed' } },
    });
    expect(errorAnswer(new TypeError('x is undefined'), (line) => logged.push(line))).toMatchObject({
      status: 500,
      body: { error: { code: 'HAZMON_API_INTERNAL', message: 'internal error (logged by the gateway)' } },
    });
    expect(logged).toEqual(['web server: HAZMON_STORE_CLOSED: the store is closed', 'web server: x is undefined']);
    expect(errorAnswer(new ApiError('HAZMON_API_THROTTLED', 'wait', undefined, 30), () => undefined)).toMatchObject({ status: 429, headers: { 'Retry-After': '30' } });
  });
});
