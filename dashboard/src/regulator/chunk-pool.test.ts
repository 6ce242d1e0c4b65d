import { EventEmitter } from 'node:events';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AggregateColumns } from '@hazmon/agent';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateCsvBody } from './aggregate-csv.ts';
import { aggregatePageBody } from './aggregate-page.ts';
import { CHUNK_BYTES, ChunkPool, type SentResponse } from './chunk-pool.ts';
import { bodyText } from './page-text.ts';

/** A Node response as far as the chunks see it, moved by hand. */
class FakeResponse extends EventEmitter implements SentResponse {
  headersSent = false;
  writableLength = 0;
}

describe('ChunkPool', () => {
  it('hands an answer a chunk again only once every chunk before it is sent: not before the headers, not while bytes wait', () => {
    const response = new FakeResponse();
    const take = new ChunkPool().forAnswer(response);
    // @hono/node-server holds its first reads until the headers are written: nothing is known sent.
    const first = take();
    const second = take();
    expect(second === first).toBe(false);
    response.headersSent = true;
    response.writableLength = 2 * CHUNK_BYTES;
    const third = take();
    expect([first, second].includes(third)).toBe(false);
    response.writableLength = 1;
    const fourth = take();
    expect([first, second, third].includes(fourth)).toBe(false);
    response.writableLength = 0;
    const fifth = take();
    expect([first, second, third, fourth].includes(fifth)).toBe(true);
    // The fifth is being sent: the next is one of those known sent before it.
    response.writableLength = 100;
    const sixth = take();
    expect([first, second, third, fourth].includes(sixth)).toBe(true);
    expect(sixth === fifth).toBe(false);
  });

  it("gives an answer's chunks to the next answer on 'finish', at most four; none after 'close' alone", () => {
    const pool = new ChunkPool();
    const finished = new FakeResponse();
    const takeFinished = pool.forAnswer(finished);
    const handedOut = Array.from({ length: 6 }, () => takeFinished());
    const closed = new FakeResponse();
    const takeClosed = pool.forAnswer(closed);
    const lost = [takeClosed(), takeClosed()];
    closed.emit('close');
    finished.emit('finish');
    const next = pool.forAnswer(new FakeResponse());
    const taken = Array.from({ length: 5 }, () => next());
    expect(taken.slice(0, 4).every((chunk) => handedOut.includes(chunk))).toBe(true);
    expect([...handedOut, ...lost].includes(taken[4]!)).toBe(false);
  });

  it('gives a new chunk each time without a Node response (app.request)', () => {
    const take = new ChunkPool().forAnswer(undefined);
    const first = take();
    expect(take() === first).toBe(false);
  });
});

const MINUTE = 60_000;
const FROM = Date.UTC(2026, 11, 4);
const POINTS = 1000;
const MINUTES = 60;

/** `intervals` minutes from `from` of `POINTS` points as the store reads them, values differing with `seed`: an hour is ~10.7 MB as rows. */
function minuteColumns(seed: number, from: number, intervals: number): AggregateColumns {
  const length = POINTS * intervals;
  const column = (value: (row: number) => number) => Float64Array.from({ length }, (_, row) => value(row));
  const reading = (row: number) => ((row * 7919 + from / MINUTE + seed * 104_729) % 100_003) / 7;
  return {
    length,
    intervals,
    pointIds: Array.from({ length: POINTS }, (_, point) => `P${seed}-${point}.value`),
    start: column((row) => from + (row % intervals) * MINUTE),
    end: column((row) => from + ((row % intervals) + 1) * MINUTE),
    min: column((row) => reading(row) - 1),
    avg: column((row) => (reading(row) * 60) / 59),
    max: column((row) => reading(row) + 1),
    count: column((row) => 60 - ((row + seed) % 3)),
    goodCount: column(() => 60),
    completeness: column((row) => (59 - ((row + seed) % 2)) / 60),
  };
}

function hourPage(seed: number, chunks?: () => Buffer): ReadableStream<Uint8Array> {
  return aggregatePageBody({
    head: '{"interval":"1m","rows":[',
    columns: minuteColumns(seed, FROM, MINUTES),
    from: FROM,
    intervalMs: MINUTE,
    tail: '],"next":null}',
    ...(chunks === undefined ? {} : { chunks }),
  });
}

/** Two hours of `POINTS` points as the CSV export, each window read after a pause (the writer takes turns of the loop meanwhile): ~14 MB. */
function twoHoursCsv(seed: number, chunks?: () => Buffer): Promise<ReadableStream<Uint8Array>> {
  return aggregateCsvBody({
    pointIds: undefined,
    pointCount: POINTS,
    from: FROM,
    to: FROM + 2 * MINUTES * MINUTE,
    intervalMs: MINUTE,
    read: async (window) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return minuteColumns(seed, window.from, (window.to - window.from) / MINUTE);
    },
    ...(chunks === undefined ? {} : { chunks }),
  });
}

/** The answer read by node:http with a pause after every 256 KiB, so that the server's socket has bytes unsent when its next chunk is written. */
function slowRead(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      const parts: Buffer[] = [];
      let sincePause = 0;
      response.on('data', (part: Buffer) => {
        parts.push(part);
        sincePause += part.length;
        if (sincePause < 256 * 1024) return;
        sincePause = 0;
        response.pause();
        setTimeout(() => response.resume(), 5);
      });
      response.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
      response.on('error', reject);
    }).on('error', reject);
  });
}

describe('an answer written into pooled chunks, sent over a real socket to a slow reader', () => {
  const pool = new ChunkPool();
  /** The distinct chunks (by their memory) and the chunks taken, over every answer. */
  const memories = new Set<ArrayBufferLike>();
  let taken = 0;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = new Hono<{ Bindings: HttpBindings }>();
    /** The answer's chunks from the pool, counted. */
    const counted = (response: SentResponse) => {
      const chunks = pool.forAnswer(response);
      return () => {
        const chunk = chunks();
        memories.add(chunk.buffer);
        taken++;
        return chunk;
      };
    };
    app.get('/hour/:seed', (c) => c.body(hourPage(Number(c.req.param('seed')), counted(c.env.outgoing)), 200, { 'Content-Type': 'application/json' }));
    app.get('/csv/:seed', async (c) => c.body(await twoHoursCsv(Number(c.req.param('seed')), counted(c.env.outgoing)), 200, { 'Content-Type': 'text/csv' }));
    server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gets the bytes of chunks written new, two answers at once and one after, while the chunks are written again', async () => {
    const expected = await Promise.all([1, 2, 3].map(async (seed) => (await bodyText(hourPage(seed))).text));
    expect(expected[0]!.length).toBeGreaterThan(10 * CHUNK_BYTES);
    const atOnce = await Promise.all([slowRead(`${base}/hour/1`), slowRead(`${base}/hour/2`)]);
    const after = await slowRead(`${base}/hour/3`);
    expect(atOnce[0] === expected[0]).toBe(true);
    expect(atOnce[1] === expected[1]).toBe(true);
    expect(after === expected[2]).toBe(true);
    // Three answers of 10.7 MB each in a handful of chunks' memory: they were written again.
    expect(taken).toBeGreaterThanOrEqual(33);
    expect(memories.size).toBeLessThanOrEqual(8);
  });

  it('gets the CSV export of chunks written new, its chunks written while the next window is read', async () => {
    const expected = (await bodyText(await twoHoursCsv(5))).text;
    const before = { taken, memories: memories.size };
    const answer = await slowRead(`${base}/csv/5`);
    expect(answer === expected).toBe(true);
    expect(taken - before.taken).toBeGreaterThanOrEqual(13);
    expect(memories.size - before.memories).toBeLessThanOrEqual(4);
  });

  it('gets the bytes of chunks written new when every chunk is written at once, whatever the socket has left to send', async () => {
    // A consumer that does not wait for 'drain' (unlike @hono/node-server): each chunk is asked for while the last ones
    // are still in the response's buffers, which only `writableLength` tells.
    const eager = createServer((_, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const reader = hourPage(4, pool.forAnswer(response)).getReader();
      const writeAll = async () => {
        for (let part = await reader.read(); !part.done; part = await reader.read()) response.write(part.value);
        response.end();
      };
      void writeAll();
    });
    await new Promise<void>((resolve) => eager.listen(0, '127.0.0.1', resolve));
    try {
      const answer = await slowRead(`http://127.0.0.1:${(eager.address() as AddressInfo).port}/`);
      expect(answer === (await bodyText(hourPage(4))).text).toBe(true);
    } finally {
      await new Promise<void>((resolve) => eager.close(() => resolve()));
    }
  });
});
