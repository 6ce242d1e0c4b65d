import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobOutcome } from './line.ts';
import { ModbusLine, lineConfigSchema, newCounters } from './line.ts';
import type { TestServer } from './test-server.ts';
import { startTestServer } from './test-server.ts';

let server: TestServer;
let line: ModbusLine | undefined;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await line?.stop();
  line = undefined;
  await server.close();
});

describe('ModbusLine back-off', () => {
  it("doubles a silent slave's back-off on every failed probe, up to the cap, and forgets it after an answer", async () => {
    let now = 1_000_000;
    line = new ModbusLine({ id: 'l', kind: 'tcp', host: '127.0.0.1', port: server.port, timing: { timeoutMs: 200, retries: 0, backoffBaseMs: 400, backoffMaxMs: 1000 } }, () => now);
    line.start();
    const counters = newCounters();
    const read = (unitId = 5) => new Promise<JobOutcome>((resolve) => line!.enqueue({ unitId, functionCode: 3, address: 0, quantity: 1, counters, done: resolve }));
    // Another unit answers in between, as on a real line; a line where nobody answers is reconnected instead.
    const others = async () => expect((await read(1)).ok).toBe(true);
    const detail = (outcome: JobOutcome) => (outcome.ok ? 'ok' : `${outcome.code}: ${outcome.detail}`);
    server.silentUnits.add(5);

    expect(detail(await read())).toBe('timeout: timeout after 200 ms');
    await others();
    expect(detail(await read())).toBe('backoff: unit backed off for 400 ms after it failed to answer');
    now += 400;
    expect(detail(await read())).toBe('timeout: timeout after 200 ms');
    await others();
    expect(detail(await read())).toBe('backoff: unit backed off for 800 ms after it failed to answer');
    now += 800;
    expect(detail(await read())).toBe('timeout: timeout after 200 ms');
    await others();
    expect(detail(await read())).toBe('backoff: unit backed off for 1000 ms after it failed to answer');
    expect(counters).toMatchObject({ requests: 6, timeouts: 3, backoffs: 3, skipped: 3 });

    server.silentUnits.delete(5);
    now += 1000;
    expect(detail(await read())).toBe('ok');
    expect(detail(await read())).toBe('ok');
    expect(counters.responses).toBe(5);
    expect(line.connects).toBe(1);
  });

  it('sends urgent jobs (writes) even to a slave in back-off, ahead of queued polls', async () => {
    line = new ModbusLine({ id: 'l', kind: 'tcp', host: '127.0.0.1', port: server.port, timing: { timeoutMs: 200, retries: 0 } });
    line.start();
    const counters = newCounters();
    const order: string[] = [];
    const job = (name: string, urgent: boolean, unitId = 1) =>
      new Promise<JobOutcome>((resolve) => line!.enqueue({ unitId, functionCode: 3, address: 0, quantity: 1, counters, urgent, done: (outcome) => (order.push(name), resolve(outcome)) }));
    server.silentUnits.add(2);
    await job('dead', false, 2);
    const outcomes = await Promise.all([job('poll-1', false), job('poll-2', false), job('write', true, 2)]);
    // poll-1 may already be on the wire; the urgent job overtakes everything still queued.
    expect(order.indexOf('write')).toBeLessThan(order.indexOf('poll-2'));
    expect(outcomes[2]).toMatchObject({ ok: false, code: 'timeout' });
  });
});

describe('lineConfigSchema', () => {
  it('accepts TCP and RTU lines and refuses unknown fields and bad ports', () => {
    expect(lineConfigSchema.safeParse({ id: 'a', kind: 'tcp', host: '127.0.0.1', port: 502, timing: { timeoutMs: 500 } }).success).toBe(true);
    expect(lineConfigSchema.safeParse({ id: 'b', kind: 'rtu', path: '/dev/ttyS1', baudRate: 19200, parity: 'even' }).success).toBe(true);
    expect(lineConfigSchema.safeParse({ id: 'c', kind: 'tcp', host: '127.0.0.1', port: 70000 }).success).toBe(false);
    expect(lineConfigSchema.safeParse({ id: 'd', kind: 'rtu', path: '/dev/ttyS1', speed: 9600 }).success).toBe(false);
  });
});
