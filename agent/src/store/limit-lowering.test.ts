import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { waitFor } from '@hazmon/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitLowering } from './limit-lowering.ts';

let instance: DuckDBInstance;
let maintenance: DuckDBConnection;
let reads: DuckDBConnection;
/** A statement that needs some MiB of DuckDB's memory (a hash aggregate of 200k distinct texts). */
const HEAVY = 'SELECT count(DISTINCT s)::INTEGER AS n FROM t';

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '128MiB' });
  maintenance = await instance.connect();
  reads = await instance.connect();
  await maintenance.run('CREATE TABLE t AS SELECT md5(range::VARCHAR) AS s FROM range(200000)');
});

afterAll(() => {
  reads.closeSync();
  maintenance.closeSync();
  instance.closeSync();
});

const heavyRead = async (): Promise<unknown> => (await reads.runAndReadAll(HEAVY)).getRowObjectsJS();

describe('LimitLowering', () => {
  it('runs a read that met the lowered limit again once the limit is back, and answers it', async () => {
    const lowering = new LimitLowering(1);
    let failures = 0;
    let answer: Promise<unknown> = Promise.resolve();
    await lowering.during(async () => {
      await maintenance.run("SET memory_limit = '1MiB'");
      answer = lowering.retried(() =>
        heavyRead().catch((error: unknown) => {
          failures += 1;
          throw error;
        }),
      );
      await waitFor('the read to meet the lowered limit', () => failures === 1);
      await maintenance.run("SET memory_limit = '128MiB'");
    });
    expect(await answer).toEqual([{ n: 200_000 }]);
    expect(failures).toBe(1);
    expect([lowering.readsRunAgain, lowering.readsBusy]).toEqual([1, 0]);
  });

  it("throws a read's own failures: out of memory with no lowering beside it (as the store busy), any other error during one", async () => {
    const lowering = new LimitLowering(1);
    // Not the lowered limit: a limit the read does not fit under of its own.
    await maintenance.run("SET memory_limit = '2MiB'");
    try {
      await expect(lowering.retried(heavyRead)).rejects.toMatchObject({ code: 'HAZMON_STORE_BUSY', message: expect.stringMatching(/Out of Memory Error/) });
    } finally {
      await maintenance.run("SET memory_limit = '128MiB'");
    }
    let runs = 0;
    const failing = async (): Promise<never> => {
      runs += 1;
      await lowering.during(() => Promise.resolve());
      throw new Error('Catalog Error: Table with name nowhere does not exist');
    };
    await expect(lowering.retried(failing)).rejects.toThrow(/nowhere/);
    expect(runs).toBe(1);
    expect([lowering.readsRunAgain, lowering.readsBusy]).toEqual([0, 1]);
  });

  it('runs again a read whose error names the lowered limit, though no lowering was seen beside it', async () => {
    const lowering = new LimitLowering(1);
    let runs = 0;
    const failsOnce = async (): Promise<string> => {
      runs += 1;
      if (runs === 1) throw new Error('Out of Memory Error: failed to allocate data of size 192.0 KiB (928.0 KiB/1.0 MiB used)');
      return 'answered';
    };
    expect(await lowering.retried(failsOnce)).toBe('answered');
    expect([runs, lowering.readsRunAgain, lowering.readsBusy]).toEqual([2, 1, 0]);
  });

  it('puts the limit back before it runs again a read that found the lowered limit with no lowering under way', async () => {
    let limitLow = true;
    let runs = 0;
    const read = async (): Promise<string> => {
      runs += 1;
      if (limitLow) throw new Error('Out of Memory Error: could not allocate block of size 256.0 KiB (884.6 KiB/1.0 MiB used)');
      return 'answered';
    };
    // Without a way to put it back, a limit that stays low fails every run.
    const stuck = new LimitLowering(1);
    await expect(stuck.retried(read)).rejects.toMatchObject({ code: 'HAZMON_STORE_BUSY' });
    expect(runs).toBe(4);
    runs = 0;
    const lowering = new LimitLowering(1);
    let putBack = 0;
    const answer = await lowering.retried(read, async () => {
      putBack += 1;
      limitLow = false;
    });
    expect(answer).toBe('answered');
    expect([runs, putBack, lowering.readsRunAgain, lowering.readsBusy]).toEqual([2, 1, 1, 0]);
  });

  it('gives up after a few retries, as the store busy, when every attempt overlaps a lowering and fails for memory', async () => {
    const lowering = new LimitLowering(1);
    let runs = 0;
    const outOfMemory = async (): Promise<never> => {
      runs += 1;
      await lowering.during(() => Promise.resolve());
      throw new Error('Out of Memory Error: failed to allocate data of size 2.0 MiB (288.0 KiB/1.0 MiB used)');
    };
    await expect(lowering.retried(outOfMemory)).rejects.toMatchObject({ code: 'HAZMON_STORE_BUSY', cause: expect.objectContaining({ message: expect.stringMatching(/^Out of Memory Error/) }) });
    expect(runs).toBe(4);
    expect([lowering.readsRunAgain, lowering.readsBusy]).toEqual([3, 1]);
  });
});
