import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { float32FromWords, ModbusClient } from '../test-support.ts';
import { startSite, type RunningSite } from './start-site.ts';
import type { SiteSpec } from './schema.ts';

const sitesDir = fileURLToPath(new URL('../../sites/', import.meta.url));
const tempDir = mkdtempSync(join(tmpdir(), 'hazmon-site-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

const leak = { name: 'leak', durationS: 60, effects: [{ kind: 'ramp', quantity: 'concentration', startS: 0, durationS: 10, to: 50 }] };

describe('startSite', () => {
  let site: RunningSite | undefined;
  const clients: InstanceType<typeof ModbusClient>[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) if (client.isOpen) await new Promise<void>((resolve) => client.close(() => resolve()));
    await site?.stop();
    site = undefined;
  });

  async function tcpClient(port: number, unitId: number): Promise<InstanceType<typeof ModbusClient>> {
    const client = new ModbusClient();
    clients.push(client);
    await client.connectTCP('127.0.0.1', { port });
    client.setID(unitId);
    client.setTimeout(5000);
    return client;
  }

  it('serves devices on a TCP port and an RTU line, drives scenarios on the site clock, and counts requests', async () => {
    const spec: SiteSpec = {
      name: 'test',
      speed: 0,
      tcp: [
        {
          name: 'plant',
          devices: [
            { id: 'GD-1', unitId: 1, model: 'honeywell-xnx', scenario: leak },
            { id: 'XV-1', unitId: 2, model: 'shutoff-valve' },
          ],
        },
      ],
      rtu: [{ name: 'line', devices: [{ id: 'GD-2', unitId: 3, model: 'msa-ultima-x', fault: 'noAnswer' }] }],
    };
    site = await startSite(spec);
    const tcp = site.endpoints.find((endpoint) => endpoint.deviceId === 'GD-1')!;
    expect(tcp).toMatchObject({ transport: 'modbus-tcp', unitId: 1, scenario: 'leak' });
    expect(tcp.port).toBeGreaterThan(0);
    expect(site.endpoints.find((endpoint) => endpoint.deviceId === 'GD-2')).toMatchObject({
      transport: 'modbus-rtu',
      serial: { baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 1 },
    });
    const client = await tcpClient(tcp.port!, 1);
    site.clock.step(5000);
    const registers = (await client.readHoldingRegisters(2, 2)).data;
    expect(float32FromWords(registers[0]!, registers[1]!)).toBe(25);
    expect(site.unitHost('GD-1').statistics.count({ unitId: 1, functionCode: 3 })).toBe(1);
    expect(site.unitHost('GD-2').fault(3)).toBe('noAnswer');
    site.device('XV-1').set('command', 0);
    site.clock.step(2000);
    expect(site.device('XV-1').get('closedSwitch')).toBe(1);
    expect(site.describe().join('\n')).toMatch(/GD-2\s+msa-ultima-x\s+modbus-rtu \/dev\/pts\/\d+ 19200 8E1 unit 3/);
  });

  it('applies comms-loss scenarios to the unit and clears them after the window', async () => {
    site = await startSite({
      name: 'comms',
      speed: 0,
      tcp: [{ name: 'p', devices: [{ id: 'GD-1', unitId: 1, model: 'honeywell-midas', scenario: join(sitesDir, '../scenarios/comms-loss-no-answer.yaml') }] }],
    });
    const host = site.unitHost('GD-1');
    expect(host.fault(1)).toBe('none');
    site.clock.step(10_000);
    expect(host.fault(1)).toBe('noAnswer');
    site.clock.step(30_000);
    expect(host.fault(1)).toBe('none');
  });

  it('runs load-1000.yaml: 1000 points on one port, read at 125 registers per request', async () => {
    site = await startSite(join(sitesDir, 'load-1000.yaml'), { speed: 0 });
    const port = site.endpoints[0]!.port!;
    const bank1 = await tcpClient(port, 1);
    const bank2 = await tcpClient(port, 2);
    let points = 0;
    let mismatches = 0;
    for (let address = 0; address < 1200; address += 124) {
      const quantity = Math.min(124, 1200 - address);
      const buffer = (await bank1.readHoldingRegisters(address, quantity)).buffer;
      for (let i = 0; i < quantity / 2; i++, points++) if (buffer.readFloatBE(i * 4) !== points * 0.5) mismatches++;
    }
    for (let address = 0; address < 400; address += 124) {
      const quantity = Math.min(124, 400 - address);
      const data = (await bank2.readInputRegisters(address, quantity)).data;
      for (let i = 0; i < quantity; i += 2, points++) {
        const value = ((data[i + 1]! << 16) | data[i]!) >> 0; // CDAB: low word first
        if (value !== -100 + (address + i) / 2) mismatches++;
      }
    }
    const coils = (await bank2.readCoils(0, 200)).data.slice(0, 200);
    points += coils.filter(Boolean).length;
    expect(points).toBe(1000);
    expect(mismatches).toBe(0);
    expect(site.unitHost('bank-1').statistics.count()).toBe(10 + 4 + 1);
  });

  it('starts demo.yaml with every model, an RTU line and the OPC UA tank farm', async () => {
    site = await startSite(join(sitesDir, 'demo.yaml'), { speed: 0 });
    const models = new Set(site.endpoints.map((endpoint) => endpoint.model));
    for (const model of ['honeywell-xnx', 'honeywell-midas', 'msa-ultima-x', 'igd-toc-635', 'analog-input-4-20ma', 'tank-gauge', 'shutoff-valve', 'opcua-tank']) {
      expect(models).toContain(model);
    }
    expect(site.endpoints.find((endpoint) => endpoint.deviceId === 'T-101')?.endpointUrl).toMatch(/^opc\.tcp:\/\/127\.0\.0\.1:\d+/);
    site.clock.step(40_000);
    expect(site.device('GD-101').get('concentration')).toBeGreaterThan(20);
  });

  describe('refuses bad sites, naming file and field', () => {
    function writeSite(name: string, text: string): string {
      const path = join(tempDir, name);
      writeFileSync(path, text);
      return path;
    }

    it('a wrong option type', async () => {
      const path = writeSite('bad-option.yaml', 'name: s\ntcp:\n  - name: p\n    devices:\n      - { id: a, unitId: 1, model: honeywell-xnx, options: { rangeMax: lots } }\n');
      await expect(startSite(path)).rejects.toMatchObject({ code: 'HAZMON_SITE_INVALID', message: expect.stringContaining(`${path}: tcp[0].devices[0].options.rangeMax:`) });
    });

    it('an unknown model', async () => {
      const path = writeSite('bad-model.yaml', 'name: s\ntcp:\n  - name: p\n    devices:\n      - { id: a, unitId: 1, model: acme-9000 }\n');
      await expect(startSite(path)).rejects.toThrow(/bad-model\.yaml: tcp\[0\]\.devices\[0\]\.model/);
    });

    it('a unit id used twice on a port, and a device id used twice', async () => {
      const unit = writeSite('dup-unit.yaml', 'name: s\ntcp:\n  - name: p\n    devices:\n      - { id: a, unitId: 1, model: tank-gauge }\n      - { id: b, unitId: 1, model: tank-gauge }\n');
      await expect(startSite(unit)).rejects.toThrow(/dup-unit\.yaml: tcp\[0\]\.devices\[1\]\.unitId: unit id 1 is used twice/);
      const id = writeSite('dup-id.yaml', 'name: s\ntcp:\n  - name: p\n    devices:\n      - { id: a, unitId: 1, model: tank-gauge }\n      - { id: a, unitId: 2, model: tank-gauge }\n');
      await expect(startSite(id)).rejects.toThrow(/dup-id\.yaml: tcp\[0\]\.devices\[1\]\.id: device id "a" is used twice/);
    });

    it('a scenario driving a quantity the device lacks, and a broken scenario file named by its own path', async () => {
      const wrong = writeSite(
        'wrong-quantity.yaml',
        `name: s\ntcp:\n  - name: p\n    devices:\n      - { id: T, unitId: 1, model: shutoff-valve, scenario: ${join(sitesDir, '../scenarios/overfill.yaml')} }\n`,
      );
      await expect(startSite(wrong)).rejects.toThrow(/wrong-quantity\.yaml: tcp\[0\]\.devices\[0\]\.scenario: scenario "overfill" drives "level"/);
      writeSite('broken-scenario.yaml', 'name: x\ndurationS: -1\neffects: []\n');
      const site2 = writeSite('uses-broken.yaml', 'name: s\ntcp:\n  - name: p\n    devices:\n      - { id: a, unitId: 1, model: tank-gauge, scenario: broken-scenario.yaml }\n');
      await expect(startSite(site2)).rejects.toMatchObject({ code: 'HAZMON_SCENARIO_INVALID', message: expect.stringContaining('broken-scenario.yaml: durationS:') });
    });
  });
});
