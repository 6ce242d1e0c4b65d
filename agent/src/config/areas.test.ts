/** The site's time zone and plan, point positions, area presets (standards, interlocks, help): what loads and where each problem is placed. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../engine/index.ts';
import { AlarmEngine, presetLimits } from '../engine/index.ts';
import type { AgentConfig } from './index.ts';
import { AREA_PRESETS, alarmHelpOf, formatIssue, HazmonConfigError, parseAgentConfig } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'hazmon-areas-'));
const file = join(dir, 'site.yaml');
writeFileSync(join(dir, 'plan.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"/>');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RESETTER = 'users: [{ name: sup, role: supervisor, passwordHash: "$scrypt$ln=15,r=8,p=1$PdXUWB8qZK9kNJqYZkxm2Q$/WU9quEgCVUELL4DWlh1L6wy4zzqTQ1DArmBS4y1WsA" }]';

interface SiteParts {
  readonly site?: string;
  readonly areas?: string;
  readonly points?: string;
  readonly votingGroups?: string;
}

/** A kitchen with three methane detectors (in %LEL), an NH3 detector, a shut-off valve and a fan, with the parts given. */
function yaml(parts: SiteParts = {}): string {
  const percentLel = 'points: { concentration: { unit: "%LEL" } }';
  return `
site:
  id: s
  name: S
${parts.site ?? ''}
  areas:
${parts.areas ?? '    - { id: kitchen-1, kind: kitchen, interlock: { outputs: [XV-1, FAN-1] } }\n    - { id: nh3-room, kind: nh3-machine-room }'}
lines: [{ id: l, kind: tcp, host: 127.0.0.1, port: 5020 }]
devices:
  - { id: GD-1, profile: honeywell-midas, line: l, unitId: 1, ${percentLel} }
  - { id: GD-2, profile: honeywell-midas, line: l, unitId: 2, ${percentLel} }
  - { id: GD-3, profile: honeywell-midas, line: l, unitId: 3, ${percentLel} }
  - { id: NH-1, profile: honeywell-midas, line: l, unitId: 4 }
  - { id: XV-1, profile: shutoff-valve, line: l, unitId: 5 }
  - { id: FAN-1, profile: shutoff-valve, line: l, unitId: 6 }
points:
${parts.points ?? '  - { id: GD-1.concentration, area: kitchen-1, gas: CH4 }\n  - { id: GD-2.concentration, area: kitchen-1, gas: CH4 }\n  - { id: NH-1.concentration, area: nh3-room, gas: NH3 }'}
votingGroups: ${parts.votingGroups ?? '[]'}
outputs:
  - { id: XV-1, kind: shutoff_valve, command: XV-1.command, feedback: { closed: XV-1.closed, open: XV-1.open } }
  - { id: FAN-1, kind: fan, command: FAN-1.command }
${RESETTER}
`;
}

function problems(text: string): { path: string; problem: string; line: number }[] {
  try {
    parseAgentConfig(text, file);
  } catch (error) {
    if (error instanceof HazmonConfigError) return error.issues.map(({ path, problem, line }) => ({ path, problem, line }));
    throw error;
  }
  throw new Error('the config loaded');
}

const load = (parts: SiteParts = {}): AgentConfig => parseAgentConfig(yaml(parts), file);

describe('site.timeZone', () => {
  it('defaults to Asia/Shanghai and takes any IANA name Intl knows', () => {
    expect(load().site.timeZone).toBe('Asia/Shanghai');
    expect(load({ site: '  timeZone: Europe/Berlin' }).site.timeZone).toBe('Europe/Berlin');
    expect(load({ site: '  timeZone: UTC' }).site.timeZone).toBe('UTC');
  });

  it('refuses a name Intl does not know, and an offset, at site.timeZone', () => {
    for (const zone of ['Mars/Olympus_Mons', '"+08:00"', 'Asia/Shanghai ; rm']) {
      expect(problems(yaml({ site: `  timeZone: ${zone}` })), zone).toEqual([expect.objectContaining({ path: 'site.timeZone', problem: expect.stringContaining('IANA time zone') })]);
    }
  });
});

describe('site.plan and point positions', () => {
  const plan = '  plan: { image: plan.svg, width: 1000, height: 500 }';
  const positioned = (x: number, y: number) => `  - { id: GD-1.concentration, area: kitchen-1, gas: CH4, position: { x: ${x}, y: ${y} } }\n  - { id: GD-2.concentration, area: kitchen-1, gas: CH4 }`;

  it('resolves the image beside the config file and keeps each position by point id', () => {
    const config = load({ site: plan, points: positioned(120, 480) });
    expect(config.site.plan).toEqual({ image: join(dir, 'plan.svg'), width: 1000, height: 500 });
    expect(config.positions).toEqual({ 'GD-1.concentration': { x: 120, y: 480 } });
  });

  it('names site.plan.image for a missing file or another kind of file', () => {
    expect(problems(yaml({ site: '  plan: { image: gone.png, width: 10, height: 10 }' }))).toEqual([
      expect.objectContaining({ path: 'site.plan.image', problem: expect.stringContaining('no such file') }),
    ]);
    expect(problems(yaml({ site: '  plan: { image: plan.gif, width: 10, height: 10 }' }))).toEqual([
      expect.objectContaining({ path: 'site.plan.image', problem: expect.stringContaining('.svg, .png or .jpg') }),
    ]);
  });

  it('names the coordinate of a position off the plan, and a position without a plan', () => {
    expect(problems(yaml({ site: plan, points: positioned(1001, 501) }))).toEqual([
      expect.objectContaining({ path: 'points[0].position.x', problem: 'GD-1.concentration is outside the plan: its width is 1000' }),
      expect.objectContaining({ path: 'points[0].position.y', problem: 'GD-1.concentration is outside the plan: its height is 500' }),
    ]);
    expect(problems(yaml({ points: positioned(1, 1) }))).toEqual([expect.objectContaining({ path: 'points[0].position', problem: expect.stringContaining('site.plan is not configured') })]);
  });
});

describe('area presets', () => {
  it('gives a kitchen its GB/T 50493 levels, a 2oo2 vote of its detectors and an action per output tripped by the vote', () => {
    const config = load();
    const ch4 = presetLimits('CH4', '%LEL');
    expect(config.storePoints.find((point) => point.pointId === 'GD-1.concentration')).toMatchObject({ high: ch4.hi, highHigh: ch4.hihi });
    expect(ch4).toMatchObject({ hi: 25, hihi: 50 });
    expect(config.engine.votingGroups).toEqual([expect.objectContaining({ id: 'kitchen-1', area: 'kitchen-1', vote: '2oo2', trip: 'hi', points: ['GD-1.concentration', 'GD-2.concentration'] })]);
    expect(config.engine.actions).toEqual([
      { id: 'kitchen-1.XV-1', kind: 'shutoff_valve', output: 'XV-1', when: ['vote/kitchen-1'] },
      { id: 'kitchen-1.FAN-1', kind: 'fan', output: 'FAN-1', when: ['vote/kitchen-1'] },
    ]);
  });

  it('runs in the engine: one kitchen detector at hi sounds nothing of the interlock, the second confirms and trips valve and fan', () => {
    const actions: EngineEvent[] = [];
    const engine = new AlarmEngine(load().engine, (event) => {
      if (event.type === 'action') actions.push(event);
    });
    const reading = (device: string, value: number, time: number) => ({ pointId: `${device}.concentration`, value, unit: '%LEL', sourceTime: null, receiveTime: time, quality: 'good' as const });
    engine.processReadings([reading('GD-1', 30, 1_000), reading('GD-2', 0, 1_000), reading('NH-1', 0, 1_000)]);
    expect(engine.alarm('GD-1.concentration/hi')?.state).toBe('unacknowledged_active');
    expect(actions).toEqual([]);
    engine.processReadings([reading('GD-2', 30, 2_000)]);
    expect(actions.map((event) => event.type === 'action' && [event.actionId, event.command])).toEqual([
      ['kitchen-1.XV-1', 'close'],
      ['kitchen-1.FAN-1', 'start'],
    ]);
  });

  it('votes 2oo3 over three detectors, two of the rest still confirming with one out of service', () => {
    const points = ['GD-1', 'GD-2', 'GD-3'].map((device) => `  - { id: ${device}.concentration, area: kitchen-1, gas: CH4 }`).join('\n');
    expect(load({ points }).engine.votingGroups[0]).toMatchObject({ vote: '2oo3', onOutOfService: 'left-out' });
  });

  it('gives NH3 in a machine room the GB 50072 levels: 150 ppm on the ppm detector starts the fans, 25 %LEL on the high-range one cuts the power', () => {
    const areas = '    - { id: kitchen-1, kind: kitchen }\n    - { id: nh3-room, kind: nh3-machine-room, interlock: { outputs: [FAN-1, XV-1] } }';
    const points = '  - { id: NH-1.concentration, area: nh3-room, gas: NH3 }\n  - { id: GD-3.concentration, area: nh3-room, gas: NH3 }';
    const config = load({ areas, points });
    const thresholds = (pointId: string) => config.storePoints.find((point) => point.pointId === pointId);
    // 37,500 ppm on the ppm cell could never trip; 0.1 %LEL on the %LEL head would trip on its noise.
    expect(thresholds('NH-1.concentration')).toMatchObject({ high: 150, highHigh: null });
    expect(thresholds('GD-3.concentration')).toMatchObject({ high: null, highHigh: 25 });
    expect(config.engine.actions).toEqual([
      { id: 'nh3-room.FAN-1', kind: 'fan', output: 'FAN-1', when: ['NH-1.concentration/hi'] },
      { id: 'nh3-room.XV-1', kind: 'shutoff_valve', output: 'XV-1', when: ['GD-3.concentration/hihi'] },
    ]);
  });

  it("trips an output on its own points' alarms where the interlock names them: each tank's level for its own inlet valve", () => {
    const areas = '    - { id: kitchen-1, kind: kitchen }\n    - { id: nh3-room, kind: nh3-machine-room, interlock: { outputs: [{ output: XV-1, points: [GD-3.concentration] }, FAN-1] } }';
    const points = '  - { id: NH-1.concentration, area: nh3-room, gas: NH3 }\n  - { id: GD-3.concentration, area: nh3-room, gas: CH4 }';
    expect(load({ areas, points }).engine.actions).toEqual([
      { id: 'nh3-room.XV-1', kind: 'shutoff_valve', output: 'XV-1', when: ['GD-3.concentration/hihi'] },
      { id: 'nh3-room.FAN-1', kind: 'fan', output: 'FAN-1', when: ['NH-1.concentration/hi', 'GD-3.concentration/hi'] },
    ]);
  });

  it("places an output's own points' problems at each: not of the area, no limit the trip needs, a vote", () => {
    const areas = (outputs: string) =>
      `    - { id: kitchen-1, kind: kitchen, interlock: { outputs: ${outputs} } }\n    - { id: nh3-room, kind: nh3-machine-room, interlock: { outputs: [{ output: FAN-1, points: [NH-1.concentration] }] } }`;
    expect(problems(yaml({ areas: areas('[{ output: XV-1, points: [GD-1.concentration, NH-1.concentration, GD-9.concentration] }]') }))).toEqual([
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[0].points[1]', problem: expect.stringContaining('"NH-1.concentration" is not a point of this area') }),
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[0].points[2]', problem: expect.stringContaining('(its points: GD-1.concentration, GD-2.concentration)') }),
    ]);
    expect(problems(yaml({ areas: areas('[{ output: XV-1, points: [GD-1.concentration, GD-2.concentration] }]') }))).toEqual([
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[0]', problem: expect.stringContaining("the output's own points cannot vote") }),
    ]);
    const noHihi =
      '  - { id: GD-1.concentration, area: kitchen-1, gas: CH4 }\n  - { id: GD-2.concentration, area: kitchen-1, gas: CH4 }\n  - { id: NH-1.concentration, area: nh3-room, rules: { limits: { hi: 20 } } }';
    const nh3Valve = '    - { id: kitchen-1, kind: kitchen }\n    - { id: nh3-room, kind: nh3-machine-room, interlock: { outputs: [{ output: XV-1, points: [NH-1.concentration] }] } }';
    expect(problems(yaml({ areas: nh3Valve, points: noHihi }))).toEqual([
      expect.objectContaining({ path: 'site.areas[1].interlock.outputs[0]', problem: expect.stringContaining('but none of the points given has a hihi limit') }),
    ]);
  });

  it("lets a point's own rules override what the preset gives", () => {
    const points =
      '  - { id: GD-1.concentration, area: kitchen-1, gas: CH4, rules: { limits: { hi: 20 } } }\n  - { id: GD-2.concentration, area: kitchen-1, gas: CH4, rules: { preset: { standard: gbt50493 }, limits: { hihi: 40 } } }';
    const config = load({ points });
    expect(config.storePoints.find((point) => point.pointId === 'GD-1.concentration')).toMatchObject({ high: 20, highHigh: 50 });
    expect(config.storePoints.find((point) => point.pointId === 'GD-2.concentration')).toMatchObject({ high: 25, highHigh: 40 });
  });

  it('places the interlock problems at the area: a kitchen of one detector, an unknown output, no kind, a clashing id', () => {
    const alone = '  - { id: GD-1.concentration, area: kitchen-1, gas: CH4 }';
    expect(problems(yaml({ points: alone }))).toEqual([
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[0]', problem: expect.stringContaining('GB 16808-2025 5.5.1.8') }),
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[1]', problem: expect.stringContaining('area kitchen-1 has 1') }),
    ]);
    expect(problems(yaml({ areas: '    - { id: kitchen-1, kind: kitchen, interlock: { outputs: [XV-9] } }' }))).toEqual([
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[0]', problem: expect.stringContaining('no output with this id') }),
      expect.objectContaining({ path: 'points[2].area' }),
    ]);
    expect(problems(yaml({ areas: '    - { id: kitchen-1, interlock: { outputs: [XV-1] } }\n    - { id: nh3-room }' }))).toEqual([
      expect.objectContaining({ path: 'site.areas[0].interlock', problem: expect.stringContaining("the area's kind") }),
    ]);
    const group = '[{ id: kitchen-1, area: kitchen-1, vote: 1oo2, points: [GD-1.concentration, GD-2.concentration] }]';
    expect(problems(yaml({ votingGroups: group }))).toEqual([
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[0]', problem: expect.stringContaining('voting group kitchen-1') }),
      expect.objectContaining({ path: 'site.areas[0].interlock.outputs[1]', problem: expect.stringContaining('voting group kitchen-1') }),
    ]);
  });

  it('prints, as check-config does, the file, line, path and the area by id', () => {
    try {
      parseAgentConfig(yaml({ points: '  - { id: GD-1.concentration, area: kitchen-1, gas: CH4 }' }), file);
      expect.unreachable('the config loaded');
    } catch (error) {
      expect(error).toBeInstanceOf(HazmonConfigError);
      expect(formatIssue((error as HazmonConfigError).issues[0]!)).toMatch(
        new RegExp(`^${file}:7:\\d+ site\\.areas\\[0\\]\\.interlock\\.outputs\\[0\\]: area kitchen-1: the kitchen preset trips a shutoff_valve on vote`),
      );
    }
  });

  it('refuses an unknown kind at the area', () => {
    expect(problems(yaml({ areas: '    - { id: kitchen-1, kind: canteen }\n    - { id: nh3-room }' }))).toEqual([expect.objectContaining({ path: 'site.areas[0].kind' })]);
  });
});

describe('alarm help', () => {
  it("resolves field by field: the point's rule, the point's all, the area preset; a vote's from its group or the preset", () => {
    const points = [
      '  - id: GD-1.concentration',
      '    area: kitchen-1',
      '    gas: CH4',
      '    help: { hi: { responseMinutes: 3 }, all: { action: 关闭总阀并通知值班长 } }',
      '  - { id: GD-2.concentration, area: kitchen-1, gas: CH4 }',
      '  - { id: NH-1.concentration, area: nh3-room, gas: NH3 }',
    ].join('\n');
    const config = load({ points });
    const preset = AREA_PRESETS.kitchen.help['hi']!;
    expect(alarmHelpOf(config, { pointId: 'GD-1.concentration', rule: 'hi' })).toEqual({ cause: preset.cause, consequence: preset.consequence, responseMinutes: 3, action: '关闭总阀并通知值班长' });
    expect(alarmHelpOf(config, { pointId: 'GD-2.concentration', rule: 'hi' })).toEqual({ ...preset });
    expect(alarmHelpOf(config, { pointId: 'kitchen-1', rule: 'vote' })?.cause).toContain('GB 16808-2025');
    expect(alarmHelpOf(config, { pointId: 'NH-1.concentration', rule: 'stale' })?.consequence).toEqual(expect.any(String));
    expect(alarmHelpOf(config, { source: 'XV-1', rule: 'shutoff_discrepancy' })?.responseMinutes).toBe(1);
    expect(alarmHelpOf(config, { source: 'GD-1', rule: 'comms_loss' })?.cause).toContain('通信中断');
    expect(alarmHelpOf(config, { source: 'agent', rule: 'reading_rejected' })).toBeNull();
    expect(alarmHelpOf(config, { pointId: 'XV-1.closed', rule: 'hi' })).toBeNull();
  });

  it("gives a tank farm's gas detector the help of a gas leak, its tank level the tank's", () => {
    const points = ['  - { id: GD-1.concentration, area: tanks, gas: C3H8 }', '  - { id: NH-1.concentration, area: tanks, rules: { limits: { hihi: 9500, hi: 9000 } } }'].join('\n');
    const config = load({ areas: '    - { id: tanks, kind: tank-farm }', points });
    const tank = AREA_PRESETS['tank-farm'];
    for (const rule of ['hi', 'hihi']) {
      expect(alarmHelpOf(config, { pointId: 'GD-1.concentration', rule }), rule).toEqual({ ...tank.gasHelp![rule] });
      expect(alarmHelpOf(config, { pointId: 'GD-1.concentration', rule })?.cause, rule).toContain('气体浓度');
      expect(alarmHelpOf(config, { pointId: 'NH-1.concentration', rule }), rule).toEqual({ ...tank.help[rule] });
    }
    expect(alarmHelpOf(config, { pointId: 'GD-1.concentration', rule: 'stale' })?.cause).toContain('探测器');
  });

  it("takes a voting group's own help over the preset's", () => {
    const group = '[{ id: both, area: kitchen-1, vote: 1oo2, points: [GD-1.concentration, GD-2.concentration], help: { responseMinutes: 4 } }]';
    const config = load({ votingGroups: group, areas: '    - { id: kitchen-1, kind: kitchen }\n    - { id: nh3-room }' });
    expect(alarmHelpOf(config, { pointId: 'both', rule: 'vote' })).toMatchObject({ responseMinutes: 4, cause: AREA_PRESETS.kitchen.help['vote']!.cause });
  });

  it('names a help key that is not a rule of the point', () => {
    const points = '  - { id: GD-1.concentration, area: kitchen-1, gas: CH4, help: { hj: { cause: typo } } }\n  - { id: GD-2.concentration, area: kitchen-1, gas: CH4 }';
    expect(problems(yaml({ points }))).toEqual([expect.objectContaining({ path: 'points[0].help.hj', problem: expect.stringContaining('not a rule of point GD-1.concentration') })]);
  });
});
