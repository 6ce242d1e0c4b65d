/** The demo plant's agent config (agent/examples/demo-plant.yaml) matches its simulated site (simulators/sites/demo-plant.yaml). */
import { fileURLToPath } from 'node:url';
import { loadAgentConfig, verifyPassword } from '@hazmon/agent';
import { loadSiteFile } from '@hazmon/simulators';
import { describe, expect, it } from 'vitest';

const CONFIG_FILE = fileURLToPath(new URL('../agent/examples/demo-plant.yaml', import.meta.url));
const SITE_FILE = fileURLToPath(new URL('../simulators/sites/demo-plant.yaml', import.meta.url));

describe('the demo plant', () => {
  // What `hazmon check-config` loads: a problem anywhere in the file throws here, naming it.
  const config = loadAgentConfig(CONFIG_FILE);
  const site = loadSiteFile(SITE_FILE);

  it('polls every simulated Modbus device on its port or line, at its unit id, with the profile of its model', () => {
    const simulated = [...site.tcp, ...site.rtu].flatMap((port) => port.devices.map((device) => `${device.id}@${port.name}/${device.unitId} ${device.model}`));
    const configured = config.devices.map((device) => `${device.id}@${device.line}/${device.unitId} ${device.model}`);
    expect(configured.sort()).toEqual(simulated.sort());
  });

  it('reads every simulated tank over OPC UA: level, pressure, temperature, the inlet valve and its limit switches', () => {
    const tanks = site.opcua.flatMap((farm) => farm.tanks.map((tank) => tank.id));
    const points = config.opcua.flatMap((connection) => connection.points.map((point) => point.id));
    expect(points.sort()).toEqual(tanks.flatMap((tank) => ['level', 'pressure', 'temperature', 'inlet', 'inlet-closed', 'inlet-open'].map((point) => `${tank}.${point}`)).sort());
    expect(config.outputs.filter((output) => output.kind === 'shutoff_valve').map((output) => output.id)).toEqual(expect.arrayContaining(tanks.map((tank) => `${tank}-inlet`)));
  });

  it('is a site of about 50 devices and 400+ points, a major hazard source with its inventories, in five areas', () => {
    const deviceCount = config.devices.length + site.opcua.flatMap((farm) => farm.tanks).length;
    expect(deviceCount).toBeGreaterThanOrEqual(50);
    expect(config.storePoints.length).toBeGreaterThanOrEqual(400);
    expect(config.site.enterprise).toBeDefined();
    expect(config.site.majorHazard?.substances.length).toBeGreaterThan(0);
    expect(config.site.areas.map((area) => area.id)).toEqual(['tank-farm', 'nh3-machine-room', 'kitchen', 'dust-point', 'process-area']);
  });

  it('has a demo login for each role, whose password is demo-<name> (what the demo prints)', async () => {
    expect(config.users.map((user) => [user.name, user.role])).toEqual([
      ['viewer', 'viewer'],
      ['operator', 'operator'],
      ['supervisor', 'supervisor'],
      ['admin', 'admin'],
    ]);
    for (const user of config.users) expect(await verifyPassword(`demo-${user.name}`, user.passwordHash), user.name).toBe(true);
  });
});
