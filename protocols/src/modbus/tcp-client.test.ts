/** ModbusTcpClient against a raw socket server that answers with chosen bytes, split as chosen. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@hazmon/test-support';
import type { ClientFailure } from './line-client.ts';
import { ModbusTcpClient } from './tcp-client.ts';

interface Report {
  readonly failure: ClientFailure | null;
  readonly registers: number[] | null;
  readonly bits: readonly boolean[] | null;
}

/** A peer that hands every request frame to `answer`, which writes what it likes to the socket. */
async function startPeer(answer: (request: Buffer, socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('data', (request) => answer(request, socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The answer to a read of holding registers: MBAP (the request's transaction id) + unit + 3 + byte count + words. */
function registersAnswer(request: Buffer, words: readonly number[], override: { unitId?: number; protocolId?: number; lengthField?: number } = {}): Buffer {
  const frame = Buffer.alloc(9 + words.length * 2);
  request.copy(frame, 0, 0, 2);
  frame.writeUInt16BE(override.protocolId ?? 0, 2);
  frame.writeUInt16BE(override.lengthField ?? 3 + words.length * 2, 4);
  frame[6] = override.unitId ?? request[6]!;
  frame[7] = 3;
  frame[8] = words.length * 2;
  words.forEach((word, i) => frame.writeUInt16BE(word, 9 + i * 2));
  return frame;
}

let peer: Awaited<ReturnType<typeof startPeer>> | undefined;
let client: ModbusTcpClient | undefined;

afterEach(async () => {
  client?.destroy();
  await peer?.close();
  client = undefined;
  peer = undefined;
});

/** A client on the peer; each report is pushed with its register bytes read as words during the call (they are lent). */
async function connect(timeoutMs = 300): Promise<Report[]> {
  const reports: Report[] = [];
  client = new ModbusTcpClient({ host: '127.0.0.1', port: peer!.port, timeoutMs }, (failure, registers, bits) => {
    const words = registers ? Array.from({ length: registers.length / 2 }, (_, i) => registers.readUInt16BE(i * 2)) : null;
    reports.push({ failure, registers: words, bits });
  });
  await client.open();
  return reports;
}

const read = (quantity: number, unitId = 1) => client!.send({ unitId, functionCode: 3, address: 0, quantity });

describe('ModbusTcpClient', () => {
  it('takes an answer split over many reads, byte by byte, and answers that come back to back', async () => {
    let sent = 0;
    peer = await startPeer((request, socket) => {
      const answer = registersAnswer(request, [sent, 0x1234, 0xffff]);
      sent += 1;
      // One byte per write, each on its own turn, so the client's reads see every split point.
      const bytes = [...answer];
      const writeNext = () => {
        const byte = bytes.shift();
        if (byte === undefined) return;
        socket.write(Buffer.from([byte]));
        setTimeout(writeNext, 2);
      };
      writeNext();
    });
    const reports = await connect(2000);
    for (let request = 0; request < 3; request++) {
      read(3);
      await waitFor(`report ${request + 1}`, () => reports.length >= request + 1);
    }
    expect(reports.map((report) => report.registers)).toEqual([
      [0, 0x1234, 0xffff],
      [1, 0x1234, 0xffff],
      [2, 0x1234, 0xffff],
    ]);
    expect(reports.every((report) => report.failure === null)).toBe(true);
  });

  it('drops a late answer (to a transaction that timed out) and takes the answer to the request in flight', async () => {
    const held: Buffer[] = [];
    peer = await startPeer((request, socket) => {
      if (held.length === 0) {
        held.push(registersAnswer(request, [111]));
        return;
      }
      // The first request's answer arrives late, in one read with the second's.
      socket.write(Buffer.concat([held[0]!, registersAnswer(request, [222])]));
    });
    const reports = await connect(150);
    read(1);
    await waitFor('report 1', () => reports.length >= 1);
    expect(reports[0]!.failure).toEqual({ code: 'timeout', detail: 'timeout after 150 ms' });
    read(1);
    await waitFor('report 2', () => reports.length >= 2);
    expect(reports[1]).toEqual({ failure: null, registers: [222], bits: null });
  });

  it('refuses what does not answer the request as a frame error, never as data', async () => {
    const wrong: ((request: Buffer) => Buffer)[] = [
      (request) => registersAnswer(request, [1], { unitId: 9 }),
      (request) => registersAnswer(request, [1], { protocolId: 1 }),
      // Two registers asked, one answered.
      (request) => registersAnswer(request, [1]),
    ];
    let answered = 0;
    peer = await startPeer((request, socket) => socket.write(wrong[answered++]!(request)));
    const reports = await connect(2000);
    read(1);
    await waitFor('report 1', () => reports.length >= 1);
    read(1);
    await waitFor('report 2', () => reports.length >= 2);
    read(2);
    await waitFor('report 3', () => reports.length >= 3);
    expect(reports.map((report) => [report.failure?.code, report.failure?.detail, report.registers])).toEqual([
      ['frame', 'unexpected answer: answer from unit 9, expected unit 1', null],
      ['frame', 'frame refused: MBAP protocol id 1, not Modbus (0), in the answer to transaction 2', null],
      ['frame', 'unexpected answer: answer of 4 bytes after the unit id, expected 6', null],
    ]);
  });

  it('reports an exception with its code, and an MBAP length no frame has as out of step for every later request', async () => {
    let answered = 0;
    peer = await startPeer((request, socket) => {
      answered += 1;
      if (answered === 1) socket.write(Buffer.from([request[0]!, request[1]!, 0, 0, 0, 3, 1, 0x83, 6]));
      else socket.write(registersAnswer(request, [1], { lengthField: 300 }));
    });
    const reports = await connect(2000);
    read(1);
    await waitFor('report 1', () => reports.length >= 1);
    read(1);
    await waitFor('report 2', () => reports.length >= 2);
    read(1);
    await waitFor('report 3', () => reports.length >= 3);
    expect(reports.map((report) => report.failure)).toEqual([
      { code: 'exception', detail: 'exception 6: slave device busy', exceptionCode: 6 },
      { code: 'frame', detail: 'frame refused: MBAP length 300 is outside 2..254 (transaction 2)' },
      { code: 'frame', detail: 'frame refused: MBAP length 300 is outside 2..254 (transaction 2)' },
    ]);
    expect(answered).toBe(2);
  });

  it('writes coils and registers as Modbus frames and takes their echoes', async () => {
    const requests: string[] = [];
    peer = await startPeer((request, socket) => {
      requests.push(request.subarray(6).toString('hex'));
      // FC05/06/15/16 answer with unit, function, address and value or quantity: the request's first 6 bytes after the MBAP.
      const echo = Buffer.alloc(12);
      request.copy(echo, 0, 0, 12);
      echo.writeUInt16BE(6, 4);
      socket.write(echo);
    });
    const reports = await connect(2000);
    const jobs = [
      { unitId: 2, functionCode: 5 as const, address: 7, quantity: 1, payload: true },
      { unitId: 2, functionCode: 6 as const, address: 8, quantity: 1, payload: 0xbeef },
      { unitId: 2, functionCode: 15 as const, address: 9, quantity: 10, payload: [true, false, true, true, false, false, false, false, false, true] },
      { unitId: 2, functionCode: 16 as const, address: 10, quantity: 2, payload: [1, 0xffff] },
    ];
    for (const [i, job] of jobs.entries()) {
      client!.send(job);
      await waitFor(`report {i + 1}`, () => reports.length >= i + 1);
    }
    expect(requests).toEqual(['02050007ff00', '02060008beef', '020f0009000a020d02', '0210000a0002040001ffff']);
    expect(reports.every((report) => report.failure === null && report.registers === null && report.bits === null)).toBe(true);
  });

  it('takes a connect made while the loop was held past the timeout, not reported as timed out', async () => {
    peer = await startPeer(() => undefined);
    client = new ModbusTcpClient({ host: '127.0.0.1', port: peer.port, timeoutMs: 50 }, () => undefined);
    const opened = client.open();
    // The loop held 200 ms (a start's module loading): the timer is due before the connect is taken in.
    const heldUntil = performance.now() + 200;
    while (performance.now() < heldUntil);
    await opened;
  });

  it('takes an answer that came while the loop was held past the timeout, not reported as timed out', async () => {
    peer = await startPeer((request, socket) => {
      socket.write(registersAnswer(request, [0x2a]));
      // The loop held 200 ms (a long GC) with the answer in the client's socket: the timer is due before it is read.
      const heldUntil = performance.now() + 200;
      while (performance.now() < heldUntil);
    });
    const reports = await connect(50);
    read(1);
    await waitFor('the report', () => reports.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reports).toEqual([{ failure: null, registers: [0x2a], bits: null }]);
  });

  it('fails a request at once with the connection reason when the peer closed the connection', async () => {
    peer = await startPeer((_request, socket) => socket.destroy());
    const reports = await connect(2000);
    let lost = '';
    client!.onLost((why) => {
      lost = why;
    });
    read(1);
    await waitFor('the connection lost', () => lost !== '');
    read(1);
    expect(reports.at(-1)?.failure).toEqual({ code: 'connection', detail: 'Port Not Open' });
  });
});
