/**
 * The chunks the aggregates writers write their answers into, written again once the response has sent them. New
 * chunks each pull (the hour of 1k points as rows is ~11 MB, the day's CSV ~170 MB) are external memory, which V8
 * counts toward its next full GC: under the unit's `--heap-growing-percent=10` about every other pull of the hour ran
 * a marking cycle, in steps on the main thread and concurrently on the agent's one core, and took twice as long.
 *
 * When a chunk may be written again, from Node's write path: @hono/node-server reads the body stream and writes each
 * chunk to the Node response (`c.env.outgoing`) before it reads the next, except the first two or three, which it holds
 * until it has written the headers and then writes at once. A Node stream counts a write's bytes in `writableLength`
 * (the response's: its own buffer and its socket's) until the write's callback has run, and by then the socket's write
 * request, which held the buffer, is done with it (libuv has handed the bytes to the kernel; TLS encrypts them, or
 * copies what it cannot encrypt yet, as they are written). So when the writer asks for a chunk while the response's
 * headers are sent and its `writableLength` is 0, every chunk it was handed before has been written and sent: those
 * are free. 'finish' (the end's callback, which runs after every earlier write's) frees all of an answer's chunks for
 * the next answer; after 'close' without 'finish' (the client went away) they are left to the GC.
 */

/**
 * The bytes of one chunk: a regulator's last minute of 10k points (~1.7 MB) in 7 turns of the event loop, the hour of
 * 1k points (~10.7 MB) in 41. Not 1 MiB: what the pool keeps stays resident while pulls come, and figure 5's pulls of
 * the last minute kept two written 1-MiB chunks (three of 256 KiB now); the history figure's pulls were as fast
 * (wt-rows9).
 */
export const CHUNK_BYTES = 256 * 1024;
/** Free chunks kept between answers: the three an answer holds at once (two before its headers, a third while those are sent) and one more; no more (the agent's RSS). */
const KEPT_CHUNKS = 4;
/** Kept this long after the last answer, then left to the GC, so pulls that stopped hold no memory. */
const KEPT_MS = 30_000;

/** A chunk of CHUNK_BYTES to write into, for one answer. */
export type ChunkSource = () => Buffer;

/** A new chunk each time: an answer not sent through a Node response (app.request, a test's reader). */
export const newChunk: ChunkSource = () => Buffer.allocUnsafe(CHUNK_BYTES);

/** What an answer's chunks need to know of its Node response (ServerResponse, @hono/node-server's `c.env.outgoing`). */
export interface SentResponse {
  readonly headersSent: boolean;
  readonly writableLength: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

export class ChunkPool {
  private free: Buffer[] = [];
  private readonly expiry = setTimeout(() => {
    this.free = [];
  }, KEPT_MS).unref();

  /** The chunk source of an answer sent through `response`; without one, every chunk is new. */
  forAnswer(response: SentResponse | undefined): ChunkSource {
    if (response === undefined) return newChunk;
    const answer = new AnswerChunks(this, response);
    return () => answer.take();
  }

  take(): Buffer | undefined {
    return this.free.pop();
  }

  give(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) if (this.free.length < KEPT_CHUNKS) this.free.push(chunk);
    this.expiry.refresh();
  }
}

class AnswerChunks {
  /** Chunks handed to the writer and not known to be sent; chunks of this answer known to be sent. */
  private handedOut: Buffer[] = [];
  private sent: Buffer[] = [];

  constructor(
    private readonly pool: ChunkPool,
    private readonly response: SentResponse,
  ) {
    response.once('finish', () => {
      pool.give(this.sent.concat(this.handedOut));
      this.drop();
    });
    response.once('close', () => this.drop());
  }

  take(): Buffer {
    const { response } = this;
    if (response.headersSent && response.writableLength === 0 && this.handedOut.length > 0) {
      this.sent.push(...this.handedOut);
      this.handedOut = [];
    }
    const chunk = this.sent.pop() ?? this.pool.take() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.handedOut.push(chunk);
    return chunk;
  }

  private drop(): void {
    this.handedOut = [];
    this.sent = [];
  }
}
