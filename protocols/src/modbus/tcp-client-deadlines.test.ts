/** ModbusTcpClient with several requests waiting: each times out by its own deadline, from its own send. */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModbusTcpClient } from './tcp-client.ts';

let server: net.Server | undefined;
let client: ModbusTcpClient | undefined;

afterEach(async () => {
  vi.useRealTimers();
  client?.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  client = undefined;
  server = undefined;
});

/** The loop's next turn, after its I/O (the real setImmediate: the tests fake the global one). */
const realSetImmediate = setImmediate;
const nextTurn = () => new Promise((resolve) => realSetImmediate(resolve));

/**
 * A client with a 300 ms timeout on a peer that reads every request and answers none, on fake timers (faked before
 * the client makes its timer, setImmediate with them: a due timer is judged in an immediate; I/O stays real).
 * `onTimeout` runs in each report.
 */
async function silentPeerClient(onTimeout: (unitId: number) => void = () => undefined) {
  const received: number[] = [];
  server = net.createServer((socket) => socket.on('data', (data: Buffer) => received.push(data.length)));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const reports: number[] = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
  client = new ModbusTcpClient({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, timeoutMs: 300 }, (failure, _registers, _bits, request) => {
    expect(failure?.code).toBe('timeout');
    reports.push(request.unitId);
    onTimeout(request.unitId);
  });
  await client.open();
  return { received, reports, read: (unitId: number) => client!.send({ unitId, functionCode: 3, address: 0, quantity: 1 }) };
}

describe('ModbusTcpClient deadlines', () => {
  it('times out each waiting request at its own send + timeoutMs, one timer serving them in send order', async () => {
    const { received, reports, read } = await silentPeerClient();
    read(1);
    vi.advanceTimersByTime(100);
    read(2);
    read(3);
    vi.advanceTimersByTime(150);
    read(4);
    while (received.reduce((sum, bytes) => sum + bytes, 0) < 4 * 12) await nextTurn();
    vi.advanceTimersByTime(49); // t = 299
    expect(reports).toEqual([]);
    vi.advanceTimersByTime(2); // t = 301: unit 1's deadline (sent at 0) has passed, the others' have not
    expect(reports).toEqual([1]);
    vi.advanceTimersByTime(97); // t = 398
    expect(reports).toEqual([1]);
    vi.advanceTimersByTime(4); // t = 402: units 2 and 3 (sent at 100)
    expect(reports).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(146); // t = 548
    expect(reports).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(4); // t = 552: unit 4 (sent at 250)
    expect(reports).toEqual([1, 2, 3, 4]);
  });

  it('times a request sent from a timeout report (a retry) from its own send, not with the requests timed out', async () => {
    const { reports, read } = await silentPeerClient((unitId) => {
      if (unitId === 1) read(9);
    });
    read(1);
    vi.advanceTimersByTime(301);
    expect(reports).toEqual([1]);
    vi.advanceTimersByTime(298); // t = 599
    expect(reports).toEqual([1]);
    vi.advanceTimersByTime(4);
    expect(reports).toEqual([1, 9]);
  });
});
