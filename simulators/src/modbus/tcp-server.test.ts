import net from 'node:net';
import { waitFor } from '@hazmon/test-support';
import { describe, expect, it, vi } from 'vitest';
import { RegisterBank } from '../devices/register-bank.ts';
import { tcpFixtures } from '../test-support.ts';

function bank(): RegisterBank {
  return new RegisterBank('bank', {
    points: [
      { name: 'h0', table: 'holding', address: 0, type: 'uint16', value: 11 },
      { name: 'h1', table: 'holding', address: 1, type: 'uint16', value: 22 },
      { name: 'f', table: 'holding', address: 2, type: 'float32', value: 1.5 },
      { name: 'i0', table: 'input', address: 10, type: 'int16', value: -3 },
      { name: 'c0', table: 'coil', address: 0, type: 'bool', value: 1 },
      { name: 'c1', table: 'coil', address: 1, type: 'bool', value: 0 },
      { name: 'c2', table: 'coil', address: 2, type: 'bool', value: 1 },
      { name: 'd0', table: 'discreteInput', address: 5, type: 'bool', value: 1 },
    ],
  });
}

/** Sends one raw MBAP frame and resolves with the raw reply. */
function rawRequest(port: number, unitId: number, pdu: number[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      const frame = Buffer.from([0x12, 0x34, 0, 0, 0, pdu.length + 1, unitId, ...pdu]);
      socket.write(frame);
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data);
    });
    socket.once('error', reject);
  });
}

describe('Modbus TCP server', () => {
  const tcp = tcpFixtures();

  it('answers FC 01, 02, 03, 04 from the unit memory', async () => {
    const fixture = await tcp.serve({ 1: bank() });
    const client = await fixture.connect(1);
    expect((await client.readCoils(0, 3)).data.slice(0, 3)).toEqual([true, false, true]);
    expect((await client.readDiscreteInputs(5, 1)).data[0]).toBe(true);
    expect((await client.readHoldingRegisters(0, 4)).data).toEqual([11, 22, 0x3fc0, 0]);
    expect((await client.readInputRegisters(10, 1)).data).toEqual([0xfffd]);
  });

  it('applies FC 05, 06, 15, 16 writes and the device sees them', async () => {
    const device = bank();
    const fixture = await tcp.serve({ 1: device });
    const client = await fixture.connect(1);
    await client.writeCoil(1, true);
    await client.writeCoils(0, [false, false, false]);
    await client.writeCoil(2, true);
    await client.writeRegister(0, 99);
    await client.writeRegisters(2, [0x4120, 0x0000]);
    expect([device.get('c0'), device.get('c1'), device.get('c2')]).toEqual([0, 0, 1]);
    expect(device.get('h0')).toBe(99);
    expect(device.get('f')).toBe(10);
  });

  it('answers illegal data address for undefined or read-only addresses', async () => {
    const fixture = await tcp.serve({ 1: bank() });
    const client = await fixture.connect(1);
    await expect(client.readHoldingRegisters(3, 2)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readInputRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.writeCoil(7, true)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it('answers illegal function and illegal data value like a device', async () => {
    const fixture = await tcp.serve({ 1: bank() });
    const illegalFunction = await rawRequest(fixture.server.port, 1, [0x2b, 0x0e, 0x01, 0x00]);
    expect([...illegalFunction]).toEqual([0x12, 0x34, 0, 0, 0, 3, 1, 0xab, 0x01]);
    const tooMany = await rawRequest(fixture.server.port, 1, [0x03, 0, 0, 0, 126]);
    expect([...tooMany.subarray(7)]).toEqual([0x83, 0x03]);
    const badCoilValue = await rawRequest(fixture.server.port, 1, [0x05, 0, 0, 0x12, 0x34]);
    expect([...badCoilValue.subarray(7)]).toEqual([0x85, 0x03]);
  });

  it('hosts several unit ids on one port and stays silent for unknown ones', async () => {
    const other = new RegisterBank('other', { points: [{ name: 'x', table: 'holding', address: 0, type: 'uint16', value: 7 }] });
    const fixture = await tcp.serve({ 1: bank(), 2: other });
    const first = await fixture.connect(1);
    const second = await fixture.connect(2);
    const unknown = await fixture.connect(9, 300);
    expect((await first.readHoldingRegisters(0, 1)).data).toEqual([11]);
    expect((await second.readHoldingRegisters(0, 1)).data).toEqual([7]);
    await expect(unknown.readHoldingRegisters(0, 1)).rejects.toMatchObject({ name: 'TransactionTimedOutError' });
  });

  it('answers the frames of one chunk (a pipelining client) each with its transaction id, in one write', async () => {
    const other = new RegisterBank('other', { points: [{ name: 'x', table: 'holding', address: 0, type: 'uint16', value: 7 }] });
    const fixture = await tcp.serve({ 1: bank(), 2: other });
    const read = (transactionId: number, unitId: number, address: number) => [transactionId >> 8, transactionId & 0xff, 0, 0, 0, 6, unitId, 3, 0, address, 0, 1];
    const chunks: Buffer[] = [];
    // Node hands a corked socket's writes to `_writev` together; a socket writing as it goes calls `_write` first.
    const internals = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    const single = vi.spyOn(internals, '_write');
    const gathered = vi.spyOn(internals, '_writev');
    const socket = net.connect({ host: '127.0.0.1', port: fixture.server.port }, () => {
      socket.write(Buffer.from([...read(0x101, 1, 0), ...read(0x102, 2, 0), ...read(0x103, 1, 1)]));
    });
    socket.on('data', (data: Buffer) => chunks.push(data));
    await waitFor('three answers', () => Buffer.concat(chunks).length >= 3 * 11);
    socket.destroy();
    const writes = { single: single.mock.calls.length, gathered: gathered.mock.calls.map(([each]) => (each as unknown[]).length) };
    single.mockRestore();
    gathered.mockRestore();
    const answers = Buffer.concat(chunks);
    expect([0, 11, 22].map((at) => [answers.readUInt16BE(at), answers[at + 6], answers.readUInt16BE(at + 9)])).toEqual([
      [0x101, 1, 11],
      [0x102, 2, 7],
      [0x103, 1, 22],
    ]);
    // The client's one request write, then the server's three answers in one.
    expect(writes).toEqual({ single: 1, gathered: [3] });
  });

  it('counts requests per unit, function code, address and quantity, and resets', async () => {
    const fixture = await tcp.serve({ 1: bank() });
    const client = await fixture.connect(1);
    for (let i = 0; i < 3; i++) await client.readHoldingRegisters(0, 4);
    await client.readHoldingRegisters(0, 2);
    await client.readCoils(0, 3);
    const stats = fixture.host.statistics;
    expect(stats.count()).toBe(5);
    expect(stats.count({ unitId: 1, functionCode: 3, address: 0, quantity: 4 })).toBe(3);
    expect(stats.count({ functionCode: 3 })).toBe(4);
    expect(stats.count({ functionCode: 1, quantity: 3 })).toBe(1);
    expect(stats.entries()).toContainEqual({ unitId: 1, functionCode: 3, address: 0, quantity: 2, count: 1 });
    stats.reset();
    expect(stats.count()).toBe(0);
  });

  describe('per-unit comms faults, toggled at run time', () => {
    it('noAnswer: the request times out, other units still answer, and clearing it restores answers', async () => {
      const fixture = await tcp.serve({ 1: bank(), 2: bank() });
      const dead = await fixture.connect(1, 300);
      const alive = await fixture.connect(2);
      fixture.host.setFault(1, 'noAnswer');
      await expect(dead.readHoldingRegisters(0, 1)).rejects.toMatchObject({ name: 'TransactionTimedOutError' });
      expect((await alive.readHoldingRegisters(0, 1)).data).toEqual([11]);
      fixture.host.setFault(1, 'none');
      expect((await dead.readHoldingRegisters(0, 1)).data).toEqual([11]);
    });

    it('busy: exception 06', async () => {
      const fixture = await tcp.serve({ 1: bank() });
      fixture.host.setFault(1, 'busy');
      const client = await fixture.connect(1);
      await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 6 });
    });

    it('closeSocket: the server drops the connection', async () => {
      const served = await tcp.serve({ 1: bank() });
      served.host.setFault(1, 'closeSocket');
      const client = await served.connect(1, 2000);
      await expect(client.readHoldingRegisters(0, 1)).rejects.toBeDefined();
      await waitFor('the connection to close', () => served.server.connectionCount() === 0);
    });

    it('garbled: the MBAP length does not match the PDU', async () => {
      const fixture = await tcp.serve({ 1: bank() });
      fixture.host.setFault(1, 'garbled');
      const reply = await rawRequest(fixture.server.port, 1, [0x03, 0, 0, 0, 2]);
      expect(reply.readUInt16BE(4)).not.toBe(reply.length - 6);
      const client = await fixture.connect(1, 1000);
      await expect(client.readHoldingRegisters(0, 2)).rejects.toBeDefined();
    });
  });
});
