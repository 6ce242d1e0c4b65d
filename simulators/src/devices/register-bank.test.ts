import { describe, expect, it } from 'vitest';
import { tcpFixtures } from '../test-support.ts';
import { RegisterBank } from './register-bank.ts';

describe('register-bank', () => {
  const tcp = tcpFixtures();

  it('lays out each point in its word order', async () => {
    const device = new RegisterBank('bank', {
      wordOrder: 'CDAB',
      points: [
        { name: 'cdab', table: 'holding', address: 0, type: 'float32', value: 3.140000104904175 },
        { name: 'abcd', table: 'holding', address: 2, type: 'uint32', value: 0x01020304, wordOrder: 'ABCD' },
        { name: 'badc', table: 'input', address: 0, type: 'int16', value: 0x0102, wordOrder: 'BADC' },
        { name: 'dcba', table: 'input', address: 1, type: 'float64', value: 1, wordOrder: 'DCBA' },
      ],
    });
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    expect((await client.readHoldingRegisters(0, 4)).data).toEqual([0xf5c3, 0x4048, 0x0102, 0x0304]);
    expect((await client.readInputRegisters(0, 5)).data).toEqual([0x0201, 0, 0, 0, 0xf03f]);
  });

  it('serves 1000 generated float32 points in 16 requests on one port', async () => {
    const device = new RegisterBank('load', {
      generate: [{ namePrefix: 'p', count: 1000, table: 'holding', type: 'float32', start: 0, step: 1 }],
    });
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    const values: number[] = [];
    for (let address = 0; address < 2000; address += 124) {
      const quantity = Math.min(124, 2000 - address);
      const buffer = (await client.readHoldingRegisters(address, quantity)).buffer;
      for (let i = 0; i < quantity / 2; i++) values.push(buffer.readFloatBE(i * 4));
    }
    expect(values).toHaveLength(1000);
    expect(values.every((value, index) => value === index)).toBe(true);
    expect(fixture.host.statistics.count({ functionCode: 3 })).toBe(17);
  });

  it('refuses overlapping points and bool points in register tables', () => {
    expect(
      () =>
        new RegisterBank('bank', {
          points: [
            { name: 'a', table: 'holding', address: 0, type: 'float32' },
            { name: 'b', table: 'holding', address: 1, type: 'uint16' },
          ],
        }),
    ).toThrow(/"b" overlaps "a" at holding address 1/);
    expect(() => new RegisterBank('bank', { points: [{ name: 'a', table: 'holding', address: 0, type: 'bool' }] })).toThrow(/bool goes with coil/);
  });
});
