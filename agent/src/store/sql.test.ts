/** SerialConnection's time limit against a real DuckDB: a read past it stopped and failed as such, the next one unharmed. */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHazmonError } from '@hazmon/errors';
import { SerialConnection } from './sql.ts';

const TIMEOUT_MS = 200;
let instance: DuckDBInstance;
let limited: SerialConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  limited = new SerialConnection(await instance.connect(), { timeoutMs: TIMEOUT_MS });
});

afterAll(async () => {
  await limited?.exclusive(async (raw) => raw.closeSync());
  instance?.closeSync();
});

/** Rows of a query that runs for minutes unless stopped. */
const ENDLESS = 'SELECT count(*) AS n FROM range(10000000000) a';

async function failure(read: Promise<unknown>): Promise<unknown> {
  return read.then(
    () => expect.fail('the read was not stopped'),
    (error: unknown) => error,
  );
}

describe('SerialConnection with a time limit', () => {
  it('stops a read that runs past it and fails it as HAZMON_STORE_READ_TIMEOUT, naming the limit', async () => {
    const started = performance.now();
    const error = await failure(limited.rows(ENDLESS));
    expect(isHazmonError(error, 'HAZMON_STORE_READ_TIMEOUT')).toBe(true);
    expect((error as Error).message).toBe('a read ran longer than 0.2 s and was stopped: ask for a shorter range or a smaller page');
    expect(String((error as Error).cause)).toMatch(/Interrupted/);
    // Stopped, not run to its end (minutes).
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(await limited.rows('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
  });

  it('fails a streamed read stopped midway rather than handing back its first chunks as the whole answer', async () => {
    const error = await failure(limited.doubleColumns('SELECT range::DOUBLE AS v FROM range(10000000000)'));
    expect(isHazmonError(error, 'HAZMON_STORE_READ_TIMEOUT')).toBe(true);
    expect(await limited.rows('SELECT 43 AS answer')).toEqual([{ answer: 43 }]);
  });

  it('leaves reads within it alone, one after another', async () => {
    for (let i = 0; i < 20; i++) expect(await limited.rows('SELECT $1::INTEGER AS i', [i])).toEqual([{ i }]);
  });
});
