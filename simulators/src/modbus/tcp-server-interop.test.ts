import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HoneywellMidas, midasOptionsSchema } from '../devices/honeywell-midas.ts';
import { HoneywellXnx, xnxOptionsSchema } from '../devices/honeywell-xnx.ts';
import { ShutoffValve, shutoffValveOptionsSchema } from '../devices/shutoff-valve.ts';
import { tcpFixtures } from '../test-support.ts';

const run = promisify(execFile);

/** Runs mbpoll once against the fixture (-0: 0-based addresses, -1: one poll) and returns the values it printed. */
async function mbpoll(port: number, unitId: number, args: string[]): Promise<string[]> {
  const { stdout } = await run('mbpoll', ['-m', 'tcp', '-p', String(port), '-a', String(unitId), '-0', '-1', ...args, '127.0.0.1'], { timeout: 20_000 });
  return [...stdout.matchAll(/^\[\d+\]:\s+(\S+)/gm)].map((match) => match[1]!);
}

describe('an independent Modbus client (mbpoll) reads the simulators', () => {
  const tcp = tcpFixtures();

  it('reads XNX float32 (big-endian words), Midas float32 (CDAB), and the valve limit switches', async () => {
    const xnx = new HoneywellXnx('xnx', xnxOptionsSchema.parse({}));
    const midas = new HoneywellMidas('midas', midasOptionsSchema.parse({}));
    const valve = new ShutoffValve('valve', shutoffValveOptionsSchema.parse({ open: true }));
    xnx.set('concentration', 23.5);
    midas.set('concentration', 4.75);
    const fixture = await tcp.serve({ 1: xnx, 2: midas, 3: valve });
    const port = fixture.server.port;
    // mbpoll's default float word order is low word first (CDAB); -B selects high word first (ABCD).
    expect((await mbpoll(port, 1, ['-t', '4:float', '-B', '-r', '2', '-c', '1'])).map(Number)).toEqual([23.5]);
    expect((await mbpoll(port, 1, ['-t', '4', '-r', '10', '-c', '1'])).map(Number)).toEqual([5]);
    expect((await mbpoll(port, 2, ['-t', '4:float', '-r', '2', '-c', '1'])).map(Number)).toEqual([4.75]);
    expect(await mbpoll(port, 3, ['-t', '1', '-r', '0', '-c', '2'])).toEqual(['0', '1']);
    expect(fixture.host.statistics.count({ unitId: 1, functionCode: 3 })).toBe(2);
  });
});
