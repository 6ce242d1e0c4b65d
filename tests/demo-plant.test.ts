/** The demo plant's agent config (agent/examples/demo-plant.yaml) matches its simulated site (simulators/sites/demo-plant.yaml). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { alarmAreas, loadAgentConfig, verifyPassword } from '@hazmon/agent';
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

  it('is a site of about 70 devices and 500 points, a major hazard source with its inventories, in five areas', () => {
    const deviceCount = config.devices.length + site.opcua.flatMap((farm) => farm.tanks).length;
    expect(deviceCount).toBeGreaterThanOrEqual(70);
    expect(config.storePoints.length).toBeGreaterThanOrEqual(500);
    expect(config.site.enterprise).toBeDefined();
    expect(config.site.majorHazard?.substances.length).toBeGreaterThan(0);
    expect(config.site.areas.map((area) => area.id)).toEqual(['tank-farm', 'nh3-machine-room', 'kitchen', 'dust-point', 'process-area']);
    expect(config.site.timeZone).toBe('Asia/Shanghai');
  });

  it("takes its interlocks from the area presets: the machine room, the kitchen (a vote of both detectors), the dust point and each tank's inlet", () => {
    const actions = Object.fromEntries(config.engine.actions.map((action) => [action.id, action.when]));
    const nh3Points = config.engine.points.filter((point) => point.area === 'nh3-machine-room').map((point) => point.id);
    expect(nh3Points).toHaveLength(9);
    // GB 50072: the ppm detectors start the fans at 150 ppm, the high-range %LEL one cuts the power at 25 %LEL.
    const ppmPoints = nh3Points.filter((id) => id !== 'NH3-H1.concentration');
    expect(actions['nh3-machine-room.EF-01']).toEqual(ppmPoints.map((id) => `${id}/hi`));
    expect(actions['nh3-machine-room.PC-01']).toEqual(['NH3-H1.concentration/hihi']);
    expect(config.engine.votingGroups).toEqual([expect.objectContaining({ id: 'kitchen', vote: '2oo2', points: ['KD-1.concentration', 'KD-2.concentration'], trip: 'hi' })]);
    expect([actions['kitchen.KV-1'], actions['kitchen.KF-1']]).toEqual([['vote/kitchen'], ['vote/kitchen']]);
    expect(actions['dust-point.DF-1']).toContain('DC-1.sparkDetected/hihi');
    expect(actions['dust-point.DV-1']).toContain('DC-1.sparkDetected/hihi');
    // Each tank's own level closes its own inlet (given with its output; the preset alone would close them all on any
    // point's hi-hi, a bund detector's too).
    for (const tank of site.opcua.flatMap((farm) => farm.tanks)) expect(actions[`tank-farm.${tank.id}-inlet`], tank.id).toEqual([`${tank.id}.level/hihi`]);
    expect(Object.keys(actions).filter((id) => id.startsWith('tank-farm.'))).toHaveLength(site.opcua.flatMap((farm) => farm.tanks).length);
  });

  it("files the alarms tied to no one point under the area they act in: the kitchen's vote, its valve's latch, discrepancy and comms loss", () => {
    const areas = alarmAreas(config);
    expect(areas.ofAlarm('vote/kitchen', 'kitchen')).toEqual(['kitchen']);
    expect(areas.ofAlarm('kitchen.KV-1/latched', 'KV-1')).toEqual(['kitchen']);
    expect(areas.ofAlarm('KV-1/shutoff_discrepancy', 'KV-1')).toEqual(['kitchen']);
    expect(areas.ofAlarm('KV-1/comms_loss', 'KV-1')).toEqual(['kitchen']);
    expect(areas.ofAlarm('T-101-inlet/shutoff_discrepancy', 'T-101-inlet')).toEqual(['tank-farm']);
    expect(areas.ofAlarm('DV-1/shutoff_discrepancy', 'DV-1')).toEqual(['dust-point']);
    expect(areas.ofAlarm('store/flush_failed', 'agent')).toEqual([]);
  });

  it("places every point with rules on the site plan, inside its area's zone; the plan has no script and no external reference", () => {
    const { image, width, height } = config.site.plan!;
    const plan = readFileSync(image, 'utf8');
    expect(plan).toContain(`viewBox="0 0 ${width} ${height}"`);
    expect(plan).not.toMatch(/<script|\son\w+=|href=|url\(|@import/i);
    const zones = new Map(
      [...plan.matchAll(/<rect id="area-([\w-]+)" [^>]*x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/g)].map(([, area, x, y, width, height]) => [
        area!,
        { x: Number(x), y: Number(y), right: Number(x) + Number(width), bottom: Number(y) + Number(height) },
      ]),
    );
    expect([...zones.keys()].sort()).toEqual(config.site.areas.map((area) => area.id).sort());
    const withRules = config.engine.points;
    expect(withRules.length).toBeGreaterThan(150);
    for (const point of withRules) {
      const position = config.positions[point.id];
      const zone = zones.get(point.area ?? '');
      expect(position, point.id).toBeDefined();
      expect(zone, point.id).toBeDefined();
      expect(position!.x > zone!.x && position!.x < zone!.right && position!.y > zone!.y && position!.y < zone!.bottom, `${point.id} at ${JSON.stringify(position)} in ${point.area}`).toBe(true);
    }
  });

  it('gives every gas detector an upkeep plan', () => {
    const detectors = new Set(config.engine.points.filter((point) => point.preset !== undefined).map((point) => point.id.split('.')[0]!));
    for (const device of detectors) expect(config.upkeep[device], device).toMatchObject({ bumpTestDays: expect.any(Number), calibrationDays: expect.any(Number) });
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
      expect(at(dust, 'spark', 121)).toBeGreaterThan(limitOf('DC-1.sparkDetected', 'hihi'));
      expect(at(dust, 'spark', ROUND_S - 1)).toBeLessThan(limitOf('DC-1.sparkDetected', 'hihi'));
      expect(Math.max(...Array.from({ length: ROUND_S }, (_, s) => at(dust, 'inletTemperature', s)))).toBeLessThan(limitOf('DC-1.inletTemperature', 'hihi'));
      expect(at(scenarioOf('PD-03'), 'sensorFault', 170)).toBe(1);
      expect(at(scenarioOf('PD-03'), 'sensorFault', ROUND_S - 1)).toBe(0);
      expect(scenarioCommsFaultAt(scenarioOf('PD-05'), 190_000)).toBe('noAnswer');
      expect(scenarioCommsFaultAt(scenarioOf('PD-05'), (ROUND_S - 1) * 1000)).toBe('none');
    });
  });
});
