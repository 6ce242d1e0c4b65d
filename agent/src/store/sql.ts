/** Small DuckDB helpers: a connection that runs one statement at a time, row conversion, literal quoting. */
import { type DuckDBAppender, type DuckDBConnection, DuckDBTypeId, type DuckDBValue, type JS } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { CHUNK_ROWS } from './chunk.ts';
import { StoreError } from './errors.ts';

export type SqlParams = readonly (DuckDBValue | undefined)[];
export type SqlRow = Record<string, JS>;

/**
 * Serialises statements on one connection: a DuckDB connection runs one statement at a time, and
 * BEGIN/COMMIT blocks must not interleave with other work on the same connection.
 */
export class SerialConnection {
  private tail: Promise<unknown> = Promise.resolve();

  private readonly runStatement: <T>(statement: () => Promise<T>, connection: DuckDBConnection) => Promise<T>;
  private readonly afterEach: ((connection: DuckDBConnection) => Promise<void>) | undefined;
  private readonly timeoutMs: number;

  /**
   * `runStatement` runs each piece of work given to exclusive() (for the read connection: again after it met a lowered
   * memory_limit, LimitLowering.retried); `afterEach`, which must not throw, runs after each piece, done or failed,
   * before the next one (for the read connection: DuckDB's allocator flushed); `timeoutMs` (> 0) is the longest a piece
   * may run: its statement is then interrupted and it fails as HAZMON_STORE_READ_TIMEOUT.
   */
  constructor(
    private connection: DuckDBConnection,
    options: {
      readonly runStatement?: <T>(statement: () => Promise<T>, connection: DuckDBConnection) => Promise<T>;
      readonly afterEach?: (connection: DuckDBConnection) => Promise<void>;
      readonly timeoutMs?: number;
    } = {},
  ) {
    this.runStatement = options.runStatement ?? ((statement) => statement());
    this.afterEach = options.afterEach;
    this.timeoutMs = options.timeoutMs ?? 0;
  }

  /**
   * Puts a connection to a reopened database in place of the current one, which it returns (for closing). Call it
   * only from inside exclusive(), so no statement runs on either meanwhile.
   */
  swap(connection: DuckDBConnection): DuckDBConnection {
    const previous = this.connection;
    this.connection = connection;
    return previous;
  }

  /** Runs `work` after everything queued before it, whether that succeeded or failed. */
  exclusive<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = async () => {
      const connection = this.connection;
      let expired = false;
      const deadline = this.timeoutMs > 0 ? setTimeout(() => ((expired = true), connection.interrupt()), this.timeoutMs) : undefined;
      let result: T;
      try {
        result = await this.runStatement(() => work(connection), connection);
      } catch (error) {
        throw expired ? this.timedOut(error) : error;
      } finally {
        clearTimeout(deadline);
        await this.afterEach?.(connection);
      }
      // An interrupted stream ends as if complete (node-api's fetchChunk gives no more chunks): what the work returned
      // after the deadline is no whole answer.
      if (expired) throw this.timedOut();
      return result;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** `cause`: DuckDB's interrupt error, when the statement failed for it. */
  private timedOut(cause?: unknown): StoreError {
    const message = `a read ran longer than ${this.timeoutMs / 1000} s and was stopped: ask for a shorter range or a smaller page`;
    return new StoreError('HAZMON_STORE_READ_TIMEOUT', message, cause === undefined ? undefined : { cause });
  }

  run(sql: string, params: SqlParams = []): Promise<void> {
    return this.exclusive(async (connection) => {
      await connection.run(sql, toValues(params));
    });
  }

  rows(sql: string, params: SqlParams = []): Promise<SqlRow[]> {
    return this.exclusive((connection) => readRows(connection, sql, params));
  }

  /**
   * The rows of `select` in `orderBy`'s order, as rows() gives them but with numbers for BIGINTs (exact below 2^53: ids,
   * epoch ms), made into one JSON text by DuckDB off the event loop and parsed here at once: node-api builds each value
   * of each row on the event loop (a page of 1,000 alarm events: ~14 ms under the unit's V8 flags, against ~2 ms to
   * parse the text), where it delays every other request, poll and commit.
   */
  jsonRows(select: string, orderBy: string, params: SqlParams = []): Promise<SqlRow[]> {
    return this.exclusive(async (connection) => {
      const reader = await connection.runAndReadAll(`SELECT to_json(list(page ORDER BY page.${orderBy}))::VARCHAR AS page FROM (${select}) page`, toValues(params));
      const page = reader.getRowsJS()[0]?.[0];
      return page === null || page === undefined ? [] : (JSON.parse(String(page)) as SqlRow[]);
    });
  }

  /**
   * The rows of `sql`, every column DOUBLE and never NULL, as one Float64Array per column, copied from DuckDB's chunks
   * as they stream: no JS object or heap number per row or value (10k rows of row objects outlive the agent's 1 MB
   * young generation), and no result held whole in DuckDB until the GC finalizes it (a materialized result is freed
   * only then, and with little garbage made that can be long after: memory the next query, an export, goes without).
   * `expectedRows`, when the caller knows the count or its bound (an aggregate grid), sizes the columns once instead of
   * doubling them: each column returned is then a view of a buffer of room for `expectedRows` at least. `into`: arrays
   * the caller is done with, one a column, taken instead of new ones where they have that room.
   */
  doubleColumns(sql: string, expectedRows = CHUNK_ROWS, into?: readonly Float64Array[]): Promise<Float64Array[]> {
    return this.exclusive(async (connection) => {
      const result = await connection.stream(sql);
      for (let column = 0; column < result.columnCount; column++) {
        if (result.columnTypeId(column) !== DuckDBTypeId.DOUBLE) throw new TypeError(`doubleColumns: column ${result.columnName(column)} is not DOUBLE`);
      }
      const room = Math.max(1, expectedRows);
      let columns = Array.from({ length: result.columnCount }, (_, column) => {
        const spare = into?.[column];
        return spare !== undefined && spare.length >= room ? spare : new Float64Array(room);
      });
      let rows = 0;
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const count = chunk.rowCount;
        if (rows + count > columns[0]!.length) {
          columns = columns.map((column) => {
            const grown = new Float64Array(Math.max(column.length * 2, rows + count));
            grown.set(column.subarray(0, rows));
            return grown;
          });
        }
        columns.forEach((column, index) => {
          // The C API's view of the vector's data: node-api's vector objects would also read its validity in BigInts.
          const data = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, index), count * Float64Array.BYTES_PER_ELEMENT);
          column.set(new Float64Array(data.buffer, data.byteOffset, count), rows);
        });
        rows += count;
      }
      return columns.map((column) => column.subarray(0, rows));
    });
  }

  /** BEGIN, the work, COMMIT; ROLLBACK when the work throws. Durable once this resolves (commit flushes the WAL). */
  transaction<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.exclusive(async (connection) => {
      await connection.run('BEGIN TRANSACTION');
      try {
        const result = await work(connection);
        await connection.run('COMMIT');
        return result;
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}

/** Closes a DuckDB handle whose database may be invalidated already (closing it then only repeats why). */
export function closeQuietly(handle: { closeSync(): void }): void {
  try {
    handle.closeSync();
  } catch {
    // Invalidated already.
  }
}

/**
 * Drops an appender's unflushed rows and closes it (closing alone would flush them, and so would the GC's finalizer
 * of one left behind); one that failed is invalidated and closing only repeats why.
 */
export function discardAppender(appender: DuckDBAppender): void {
  try {
    appender.clear();
    appender.closeSync();
  } catch {
    // Invalidated already.
  }
}

async function readRows(connection: DuckDBConnection, sql: string, params: SqlParams = []): Promise<SqlRow[]> {
  const reader = await connection.runAndReadAll(sql, toValues(params));
  return reader.getRowObjectsJS();
}

function toValues(params: SqlParams): DuckDBValue[] {
  return params.map((value) => (value === undefined ? null : value));
}

export function num(value: JS | undefined): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  throw new TypeError(`expected a number from DuckDB, got ${String(value)}`);
}

export function numOrNull(value: JS | undefined): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function strOrNull(value: JS | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** How a column is written into a JSON text: a BIGINT as its digits, a VARCHAR as a JSON string, a VARCHAR of JSON as it is stored; NULL as null. */
export type JsonColumnKind = 'integer' | 'text' | 'json';

/** A key of a row's JSON object, the SQL that gives its value, and how that value is written. */
export type JsonField = readonly [key: string, column: string, kind: JsonColumnKind];

/**
 * The SQL expression of one row as a JSON object text, its keys in the order given (as an object literal built in
 * that order is written by JSON.stringify). DuckDB's to_json escapes a few control characters with upper-case hex where
 * JSON.stringify writes lower-case (`writtenAsJsonStringify`).
 */
export function jsonObjectSql(fields: readonly JsonField[]): string {
  const values = fields.map(([key, column, kind], i) => {
    const value = kind === 'integer' ? `CAST(${column} AS VARCHAR)` : kind === 'text' ? `to_json(${column})::VARCHAR` : column;
    return `'${i === 0 ? '{' : ','}${JSON.stringify(key)}:', coalesce(${value}, 'null')`;
  });
  return `concat(${values.join(', ')}, '}')`;
}

/**
 * Whether a JSON text DuckDB wrote (jsonObjectSql) is byte for byte what JSON.stringify writes of the same values: not
 * when it holds one of the upper-case escapes of control characters JSON.stringify writes in lower case (a stored
 * backslash followed by such letters is taken for one too: the caller then writes the text the slow way).
 */
export function writtenAsJsonStringify(text: string): boolean {
  return !/\\u00[01][A-F]/.test(text);
}

/** A SQL string literal; used only where DuckDB takes no parameter (COPY targets). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `INSERT INTO table [(columns)] VALUES ($1, ..), (..)` for `rows` rows of `columns` parameters each. */
export function insertValuesSql(table: string, columns: number | readonly string[], rows: number): string {
  const width = typeof columns === 'number' ? columns : columns.length;
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const placeholders: string[] = [];
    for (let c = 1; c <= width; c++) placeholders.push(`$${r * width + c}`);
    tuples.push(`(${placeholders.join(', ')})`);
  }
  const columnList = typeof columns === 'number' ? '' : ` (${columns.join(', ')})`;
  return `INSERT INTO ${table}${columnList} VALUES ${tuples.join(', ')}`;
}
