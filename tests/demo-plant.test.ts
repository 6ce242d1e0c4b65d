/** The demo plant's agent config (agent/examples/demo-plant.yaml) matches its simulated site (simulators/sites/demo-plant.yaml). */
import { fileURLToPath } from 'node:url';
import { loadAgentConfig, verifyPassword } from '@hazmon/agent';
import { loadSiteFile, parseScenario, scenarioCommsFaultAt, scenarioValueAt, type Scenario } from '@hazmon/simulators';
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

  describe("the story (the site's looping scenarios, against the config's setpoints)", () => {
    const scenarioOf = (deviceId: string): Scenario => {
      const devices = [...site.tcp, ...site.rtu].flatMap((port) => port.devices);
      const tanks = site.opcua.flatMap((farm) => farm.tanks);
      const reference = [...devices, ...tanks].find((device) => device.id === deviceId)?.scenario;
      if (typeof reference !== 'object') throw new Error(`${deviceId} has no inline scenario`);
      return parseScenario(reference, `${SITE_FILE}: ${deviceId}`);
    };
    /** The setpoint in force (a preset's, or the point's own limits), as the store registers it for the regulator. */
    const limitOf = (pointId: string, rule: 'hi' | 'hihi'): number => {
      const point = config.storePoints.find((candidate) => candidate.pointId === pointId)!;
      return (rule === 'hi' ? point.high : point.highHigh)!;
    };
    const at = (scenario: Scenario, quantity: string, seconds: number) => scenarioValueAt(scenario, quantity, seconds * 1000);
    const ROUND_S = 240;

    it('plays in rounds of 4 minutes, every scenario of the same length', () => {
      const stories = [...site.tcp, ...site.rtu].flatMap((port) => port.devices).filter((device) => device.scenario !== undefined);
      expect(stories.map((device) => device.id)).toEqual(['NH3-02', 'KD-1', 'KD-2', 'KV-1', 'DC-1', 'PD-03', 'PD-05']);
      for (const id of [...stories.map((device) => device.id), 'T-101']) expect(scenarioOf(id), id).toMatchObject({ durationS: ROUND_S, loop: true });
    });

    it('overfills T-101 past hi-hi within 20 s of each round, and brings it back under hi before the round ends', () => {
      const overfill = scenarioOf('T-101');
      expect(at(overfill, 'level', 18)).toBeGreaterThan(limitOf('T-101.level', 'hihi'));
      expect(at(overfill, 'level', ROUND_S - 1)).toBeLessThan(limitOf('T-101.level', 'hi'));
      expect(at(overfill, 'level', ROUND_S + 18)).toBe(at(overfill, 'level', 18));
    });

    it('takes NH3-02 past 150 ppm, both kitchen detectors past hi while KV-1 sticks, then frees the valve while they still read high', () => {
      expect(Math.max(...[55, 60, 70, 80].map((s) => at(scenarioOf('NH3-02'), 'concentration', s)))).toBeGreaterThan(limitOf('NH3-02.concentration', 'hi'));
      expect(limitOf('NH3-02.concentration', 'hi')).toBeCloseTo(150, 6);
      const bothHigh = (s: number) => ['KD-1', 'KD-2'].every((id) => at(scenarioOf(id), 'concentration', s) > limitOf(`${id}.concentration`, 'hi'));
      const tripS = Array.from({ length: ROUND_S }, (_, s) => s).find(bothHigh)!;
      const valve = scenarioOf('KV-1');
      expect(at(valve, 'stuckOpen', tripS)).toBe(1);
      const freedS = Array.from({ length: ROUND_S }, (_, s) => s).find((s) => s > tripS && at(valve, 'stuckOpen', s) === 0)!;
      expect(bothHigh(freedS)).toBe(true);
      expect(bothHigh(ROUND_S - 1)).toBe(false);
    });

    it("sparks at the dust collector, faults PD-03 and silences PD-05 for a while, all clear again at the round's end", () => {
      const dust = scenarioOf('DC-1');
      expect(at(dust, 'spark', 121)).toBe(1);
      expect(at(dust, 'spark', ROUND_S - 1)).toBe(0);
      expect(at(scenarioOf('PD-03'), 'sensorFault', 170)).toBe(1);
      expect(at(scenarioOf('PD-03'), 'sensorFault', ROUND_S - 1)).toBe(0);
      expect(scenarioCommsFaultAt(scenarioOf('PD-05'), 190_000)).toBe('noAnswer');
      expect(scenarioCommsFaultAt(scenarioOf('PD-05'), (ROUND_S - 1) * 1000)).toBe('none');
    });
  });
});
