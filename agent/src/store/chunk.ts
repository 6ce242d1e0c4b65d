/**
 * Appender data chunks filled from typed arrays made once. node-api's vector objects copy their column into a new
 * ArrayBuffer whenever a chunk hands one out (after each row count change), and keep a nullable column's validity in
 * BigInts set row by row. For the raw writer that was ~53 KiB per chunk, and the last chunk's copies stayed
 * referenced by the chunk until the next flush: long enough to be promoted, then freed only by a full GC (the agent's
 * glibc heap grew ~0.6 MiB per 10 s between full GCs). Here the rows go into the writer's own arrays and are copied
 * into the chunk's vectors with the C API's copy functions: nothing is allocated per chunk.
 */
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

type ColumnItems = Int32Array<ArrayBuffer> | BigInt64Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

/**
 * One column's rows, in a typed array of the column's DuckDB type, and for a column that takes NULLs its validity:
 * DuckDB's mask as little-endian 32-bit words, bit r set when row r is not NULL.
 */
export interface ChunkColumn {
  readonly items: ColumnItems;
  readonly valid?: Uint32Array<ArrayBuffer>;
}

export function nullableColumn<T extends ColumnItems>(items: T): { readonly items: T; readonly valid: Uint32Array<ArrayBuffer> } {
  return { items, valid: new Uint32Array(CHUNK_ROWS / 32) };
}

/** Marks row `row` of a nullable column not NULL. */
export function setValid(valid: Uint32Array, row: number): void {
  valid[row >>> 5]! |= 1 << (row & 31);
}

/** A data chunk and the columns that fill it, in the order of the chunk's types. */
export class ColumnChunk {
  private readonly chunk: DuckDBDataChunk;

  constructor(
    types: readonly DuckDBType[],
    private readonly columns: readonly ChunkColumn[],
  ) {
    if (types.length !== columns.length) throw new Error(`ColumnChunk: ${types.length} column types but ${columns.length} columns`);
    this.chunk = DuckDBDataChunk.create([...types]);
  }

  /** Marks every row of every nullable column NULL: call before filling a chunk's rows. */
  clearValidity(): void {
    for (const { valid } of this.columns) valid?.fill(0);
  }

  /**
   * Copies `rows` rows of every column into the chunk's vectors and sets its row count: from row `firstRow[c]` of
   * column c's items (0 for every column unless given; a validity mask always from its first row, so a nullable
   * column's items start there too).
   */
  seal(rows: number, firstRow?: readonly number[]): void {
    const native = this.chunk.chunk;
    duckdb.data_chunk_reset(native);
    this.columns.forEach(({ items, valid }, index) => {
      const vector = duckdb.data_chunk_get_vector(native, index);
      const from = items.byteOffset + (firstRow?.[index] ?? 0) * items.BYTES_PER_ELEMENT;
      duckdb.copy_data_to_vector(vector, 0, items.buffer, from, rows * items.BYTES_PER_ELEMENT);
      if (valid === undefined) return;
      duckdb.vector_ensure_validity_writable(vector);
      duckdb.copy_data_to_vector_validity(vector, 0, valid.buffer, 0, Math.ceil(rows / 32) * 4);
    });
    duckdb.data_chunk_set_size(native, rows);
  }

  /** Appends the rows sealed last. */
  appendTo(appender: DuckDBAppender): void {
    appender.appendDataChunk(this.chunk);
  }
}
