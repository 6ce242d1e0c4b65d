/** A TCP line with several requests in flight (`timing.maxInFlight`), against a peer that answers as each test scripts it. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import type { JobOutcome, LineJob, ModbusCounters } from './line.ts';
import { ModbusLine, lineConfigSchema, newCounters } from './line.ts';

/** A request frame as the peer received it, and the chunk (one socket read) it came in. */
interface Frame {
  readonly transactionId: number;
  readonly unitId: number;
  readonly functionCode: number;
  readonly chunk: number;
}

/** A peer that parses the MBAP frames of each read and hands them to `onChunk`, which answers (or not) as it likes. */
async function startPeer(onChunk: (frames: readonly Frame[], socket: net.Socket) => void = () => undefined) {
  const received: Frame[] = [];
  const sockets = new Set<net.Socket>();
  let chunks = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      const chunk = chunks++;
      const frames: Frame[] = [];
      for (let at = 0; at + 6 <= data.length; at += 6 + data.readUInt16BE(at + 4)) {
        frames.push({ transactionId: data.readUInt16BE(at), unitId: data[at + 6]!, functionCode: data[at + 7]!, chunk });
      }
      received.push(...frames);
      onChunk(frames, socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The answer to a read of one holding register holding `word`; `lengthField` overrides the MBAP length (garbled). */
function answer(frame: Frame, word: number, lengthField = 5): Buffer {
  const bytes = Buffer.alloc(11);
  bytes.writeUInt16BE(frame.transactionId, 0);
  bytes.writeUInt16BE(lengthField, 4);
  bytes[6] = frame.unitId;
  bytes[7] = 3;
  bytes[8] = 2;
  bytes.writeUInt16BE(word, 9);
  return bytes;
}

/** What a unit's register holds in these tests: its answers are told apart by it. */
const registerOf = (unitId: number) => unitId * 100;
const answerOf = (frame: Frame) => answer(frame, registerOf(frame.unitId));

let peer: Awaited<ReturnType<typeof startPeer>> | undefined;
let line: ModbusLine | undefined;

afterEach(async () => {
  await line?.stop();
  await peer?.close();
  line = undefined;
  peer = undefined;
});

type Timing = ConstructorParameters<typeof ModbusLine>[0]['timing'];

async function openLine(timing: Timing, now?: () => number): Promise<ModbusLine> {
  line = new ModbusLine({ id: 'l', kind: 'tcp', host: '127.0.0.1', port: peer!.port, timing: { timeoutMs: 2000, retries: 0, ...timing } }, now);
  line.start();
  await waitFor('the line open', () => line!.isOpen);
  return line;
}

/** A read of unit `unitId`'s register 0; resolves with its outcome (register bytes read as a number). */
function read(unitId: number, counters: ModbusCounters = newCounters(), extra: Partial<LineJob> = {}): Promise<string> {
  return new Promise((resolve) => {
    line!.enqueue({ unitId, functionCode: 3, address: 0, quantity: 1, counters, ...extra, done: (outcome) => resolve(outcomeText(outcome)) });
  });
}

const outcomeText = (outcome: JobOutcome) => (outcome.ok ? `ok ${outcome.registers?.readUInt16BE(0) ?? 'written'}` : `${outcome.code}: ${outcome.detail}`);

describe('a TCP line with several requests in flight', () => {
  it('sends the requests queued in one turn in one write and pairs answers given in any order by transaction id', async () => {
    peer = await startPeer((_frames, socket) => {
      // All four arrive before any answer; they are answered last first, in one write.
      if (peer!.received.length === 4) socket.write(Buffer.concat([...peer!.received].reverse().map(answerOf)));
    });
    await openLine({ maxInFlight: 4 });
    const counters = newCounters();
    const outcomes = await Promise.all([1, 2, 3, 4].map((unitId) => read(unitId, counters)));
    expect(outcomes).toEqual(['ok 100', 'ok 200', 'ok 300', 'ok 400']);
    expect(new Set(peer.received.map((frame) => frame.chunk)).size).toBe(1);
    expect(counters).toMatchObject({ requests: 4, responses: 4, timeouts: 0, frameErrors: 0 });
  });

  it('times out one request by its own deadline while the others are answered, and drops its late answer', async () => {
    let late: Frame | null = null;
    let lateIsDue = false;
    peer = await startPeer((frames, socket) => {
      for (const frame of frames) {
        if (frame.unitId === 2 && late === null) late = frame;
        // The late answer (another value) comes in one write with the next request's answer.
        else socket.write(lateIsDue && late ? Buffer.concat([answer(late, 9999), answerOf(frame)]) : answerOf(frame));
      }
    });
    await openLine({ maxInFlight: 4, timeoutMs: 300 });
    const [unit2, unit3] = [newCounters(), newCounters()];
    expect(await Promise.all([read(1), read(2, unit2), read(3, unit3)])).toEqual(['ok 100', 'timeout: timeout after 300 ms', 'ok 300']);
    expect(unit2).toMatchObject({ requests: 1, responses: 0, timeouts: 1, backoffs: 1 });
    lateIsDue = true;
    expect(await read(3, unit3)).toBe('ok 300');
    expect(unit3).toMatchObject({ requests: 2, responses: 2, frameErrors: 0 });
  });

  it('times each answer from its own request', async () => {
    let clock = 1000;
    const frames: { frame: Frame; socket: net.Socket }[] = [];
    peer = await startPeer((chunk, socket) => frames.push(...chunk.map((frame) => ({ frame, socket }))));
    await openLine({ maxInFlight: 4 }, () => clock);
    const counters = newCounters();
    const first = read(1, counters);
    await waitFor('the first request at the peer', () => frames.length === 1);
    clock = 1040;
    const second = read(2, counters);
    await waitFor('the second request at the peer', () => frames.length === 2);
    clock = 1100;
    frames[0]!.socket.write(answerOf(frames[0]!.frame));
    expect(await first).toBe('ok 100');
    clock = 1290;
    frames[1]!.socket.write(answerOf(frames[1]!.frame));
    expect(await second).toBe('ok 200');
    // 100 ms for the first (sent at 1000), 250 for the second (sent at 1040).
    expect(counters).toMatchObject({ requests: 2, responses: 2, responseMs: 350 });
  });

  it('fails every outstanding request with its reason on a garbled frame, then resynchronises', async () => {
    peer = await startPeer((frames, socket) => {
      if (peer!.received.length === 3) socket.write(answer(frames[0]!, 1, 300));
      else if (peer!.received.length > 3) for (const frame of frames) socket.write(answerOf(frame));
    });
    await openLine({ maxInFlight: 4 });
    const [unit1, unit2] = [newCounters(), newCounters()];
    const outcomes = await Promise.all([read(1, unit1), read(2, unit2), read(3, unit2)]);
    const garbled = 'frame refused: MBAP length 300 is outside 2..254 (transaction 1)';
    expect(outcomes).toEqual([
      `frame: ${garbled}`,
      `connection: no answer read: garbled frame, reconnecting to resynchronise: ${garbled}`,
      `connection: no answer read: garbled frame, reconnecting to resynchronise: ${garbled}`,
    ]);
    expect(unit1).toMatchObject({ frameErrors: 1, connectionErrors: 0 });
    expect(unit2).toMatchObject({ frameErrors: 0, connectionErrors: 2 });
    expect(await read(2)).toBe('ok 200');
    expect(line!.connects).toBe(2);
  });

  it('fails every outstanding request with the reason when the connection is lost', async () => {
    peer = await startPeer((_frames, socket) => {
      if (peer!.received.length === 3) socket.destroy();
    });
    await openLine({ maxInFlight: 4 });
    const counters = newCounters();
    const outcomes = await Promise.all([read(1, counters), read(2, counters), read(3, counters)]);
    // One reason for all three (the peer's FIN or reset, as the socket reports it).
    expect(new Set(outcomes).size).toBe(1);
    expect(outcomes[0]).toMatch(/^connection: /);
    expect(counters).toMatchObject({ requests: 3, connectionErrors: 3 });
  });

  it('sends an urgent job (a write) ahead of the queued polls as soon as a request is answered', async () => {
    let answering = false;
    const held: { frame: Frame; socket: net.Socket }[] = [];
    /** A poll's register, or a write's echo (unit, function 6, address 0, value 1). */
    const reply = ({ frame, socket }: { frame: Frame; socket: net.Socket }) => {
      if (frame.functionCode === 3) return socket.write(answerOf(frame));
      const echo = Buffer.from([0, 0, 0, 0, 0, 6, frame.unitId, 6, 0, 0, 0, 1]);
      echo.writeUInt16BE(frame.transactionId, 0);
      return socket.write(echo);
    };
    peer = await startPeer((frames, socket) => {
      for (const frame of frames) (answering ? reply : held.push.bind(held))({ frame, socket });
    });
    await openLine({ maxInFlight: 2 });
    const polls = [1, 2, 3, 4].map((unitId) => read(unitId));
    await waitFor('two polls on the wire', () => held.length === 2);
    const write = read(5, newCounters(), { functionCode: 6, payload: 1, urgent: true });
    reply(held.shift()!);
    await waitFor('the next request at the peer', () => peer!.received.length === 3);
    expect(peer.received.map((frame) => `${frame.unitId}/${frame.functionCode}`)).toEqual(['1/3', '2/3', '5/6']);
    answering = true;
    for (const waiting of held.splice(0)) reply(waiting);
    expect(await write).toBe('ok written');
    expect(await Promise.all(polls)).toEqual(['ok 100', 'ok 200', 'ok 300', 'ok 400']);
  });

  it('against a server that takes one request per read: the others time out and back off, no answer is misread', async () => {
    // Answers the first frame of each read and ignores the rest, as a server that handles one transaction at a time.
    peer = await startPeer((frames, socket) => socket.write(answerOf(frames[0]!)));
    await openLine({ maxInFlight: 4, timeoutMs: 300, backoffBaseMs: 5000 });
    const units = [1, 2, 3, 4].map(() => newCounters());
    const outcomes = await Promise.all(units.map((counters, index) => read(index + 1, counters)));
    expect(outcomes).toEqual(['ok 100', 'timeout: timeout after 300 ms', 'timeout: timeout after 300 ms', 'timeout: timeout after 300 ms']);
    expect(units.map((counters) => counters.backoffs)).toEqual([0, 1, 1, 1]);
    // While they are backed off, their polls fail at once with that reason; unit 1 is still read.
    expect(await Promise.all([read(1), read(2)])).toEqual(['ok 100', 'backoff: unit backed off for 5000 ms after it failed to answer']);
  });

  it('reconnects a line on which no unit answers any of the requests out (a half-open connection)', async () => {
    peer = await startPeer();
    await openLine({ maxInFlight: 4, timeoutMs: 100, reconnectBaseMs: 50 });
    const outcomes = await Promise.all([1, 2, 3, 4].map((unitId) => read(unitId)));
    expect(outcomes).toEqual(['timeout: timeout after 100 ms', 'timeout: timeout after 100 ms', 'timeout: timeout after 100 ms', 'connection: no answer from any unit for 3 attempts']);
    await waitFor('the line reconnected', () => line!.connects === 2);
  });
});

describe('timing.maxInFlight in a line entry', () => {
  it('takes 1..16 on a TCP line and refuses more than 1 on an RTU line, naming the field', () => {
    expect(lineConfigSchema.safeParse({ id: 'a', kind: 'tcp', host: '127.0.0.1', port: 502, timing: { maxInFlight: 8 } }).success).toBe(true);
    expect(lineConfigSchema.safeParse({ id: 'a', kind: 'tcp', host: '127.0.0.1', port: 502, timing: { maxInFlight: 17 } }).success).toBe(false);
    expect(lineConfigSchema.safeParse({ id: 'a', kind: 'tcp', host: '127.0.0.1', port: 502, timing: { maxInFlight: 0 } }).success).toBe(false);
    expect(lineConfigSchema.safeParse({ id: 'b', kind: 'rtu', path: '/dev/ttyS1', timing: { maxInFlight: 1 } }).success).toBe(true);
    const rtu = lineConfigSchema.safeParse({ id: 'b', kind: 'rtu', path: '/dev/ttyS1', timing: { maxInFlight: 4 } });
    expect(rtu.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['timing.maxInFlight', 'an RTU line sends one request at a time: RTU frames carry no transaction id to pair answers with (maxInFlight is for Modbus TCP lines)'],
    ]);
  });
});
