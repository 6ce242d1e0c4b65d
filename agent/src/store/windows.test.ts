/** keyWindows against a real DuckDB file: dense and sparse stretches, alignment, a step fuller than the window. */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/fixtures/store/test-helpers.ts';
import { SerialConnection, num } from './sql.ts';
import { keyWindows, type KeyWindow, type WindowScan } from './windows.ts';

const dir = tempDir();
let instance: DuckDBInstance;
let connection: SerialConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(dir.file('windows.duckdb'));
  connection = new SerialConnection(await instance.connect());
  // Keys 0..9999 one row each (tag 1), a gap to 100000, then 5000 rows all on key 100000, then keys 200000..200999 (tag 2).
  await connection.run(`CREATE TABLE k AS
    SELECT i AS key, 1 AS tag FROM range(10000) r(i)
    UNION ALL SELECT 100000, 1 FROM range(5000)
    UNION ALL SELECT 200000 + i, 2 FROM range(1000) r(i)`);
});

afterAll(async () => {
  await connection?.exclusive(async (raw) => raw.closeSync());
  instance?.closeSync();
  dir.remove();
});

async function windowsOf(scan: Partial<WindowScan>): Promise<KeyWindow[]> {
  const all: KeyWindow[] = [];
  for await (const window of keyWindows(connection, { table: 'k', key: 'key', where: '', from: 0, to: 300_000, align: 1, maxRows: 700, ...scan })) all.push(window);
  return all;
}

async function countIn(window: KeyWindow, where = ''): Promise<number> {
  const [row] = await connection.rows(`SELECT count(*) AS n FROM k WHERE key >= ${window.from} AND key < ${window.to}${where ? ` AND ${where}` : ''}`);
  return num(row?.n);
}

describe('keyWindows', () => {
  it('covers every row once, in order, at most maxRows a window unless one key alone holds more', async () => {
    const windows = await windowsOf({});
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toBeGreaterThanOrEqual(windows[i - 1]!.to);
    expect(windows.reduce((sum, window) => sum + window.rows, 0)).toBe(16_000);
    for (const window of windows) {
      expect(await countIn(window)).toBe(window.rows);
      if (window.rows > 700) expect(window).toEqual({ from: 100_000, to: 100_001, rows: 5000 });
      else expect(window.rows).toBeGreaterThan(0);
    }
    // The dense stretches need several windows; the empty gaps none.
    expect(windows.filter((window) => window.from < 10_000).length).toBeGreaterThanOrEqual(Math.ceil(10_000 / 700));
    expect(windows.some((window) => window.from === 100_000 && window.rows === 5000)).toBe(true);
  });

  it('puts window edges on multiples of align (a step fuller than maxRows is one window) and applies the filter', async () => {
    const windows = await windowsOf({ align: 1000, where: 'tag = 1', maxRows: 2500 });
    expect(windows.reduce((sum, window) => sum + window.rows, 0)).toBe(15_000);
    for (const window of windows) {
      expect(window.from % 1000).toBe(0);
      expect(window.to % 1000).toBe(0);
      expect(await countIn(window, 'tag = 1')).toBe(window.rows);
      expect(window.rows <= 2500 || window.to - window.from === 1000).toBe(true);
    }
    expect(windows.at(-1)!.to).toBeLessThanOrEqual(101_000);
  });

  it('yields nothing for a range without rows, and starts mid-step when from is not aligned', async () => {
    expect(await windowsOf({ from: 20_000, to: 90_000 })).toEqual([]);
    const windows = await windowsOf({ from: 9_500, to: 10_500, align: 1000 });
    expect(windows).toEqual([{ from: 9_500, to: 10_000, rows: 500 }]);
  });
});
