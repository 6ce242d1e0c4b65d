/** The sample site config loads into a usable AgentConfig; cross-reference errors name path and line:column. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { AlarmEngine, presetLimits } from '../engine/index.ts';
import type { EngineEvent } from '../engine/index.ts';
import type { ConfigIssue } from './index.ts';
import { HazmonConfigError, loadAgentConfig, parseAgentConfig, verifyPassword } from './index.ts';

const SAMPLE = fileURLToPath(new URL('../../examples/site.yaml', import.meta.url));
const sampleText = readFileSync(SAMPLE, 'utf8');

/** Line and column (1-based) where `needle` starts in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  expect(offset, `${needle} in the text`).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function replaceOnce(text: string, from: string, to: string): string {
  expect(text.split(from).length - 1, `${from} occurs once`).toBe(1);
  return text.replace(from, to);
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseAgentConfig(text, SAMPLE);
  } catch (error) {
    if (error instanceof HazmonConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('the config loaded');
}

describe('the sample config (agent/examples/site.yaml)', () => {
  const config = loadAgentConfig(SAMPLE);

  it('builds every device of the demo site on its line', () => {
    const demo = readFileSync(fileURLToPath(new URL('../../../simulators/sites/demo.yaml', import.meta.url)), 'utf8');
    for (const device of config.devices) expect(demo).toContain(`id: ${device.id}`);
    expect(config.devices.map((device) => `${device.id}@${device.line}/${device.unitId}`)).toContain('GD-201@line-1/3');
    const lineIds = new Set(config.lines.map((line) => line.id));
    for (const device of config.devices) expect(lineIds.has(device.line)).toBe(true);
    expect(config.devices.find((device) => device.id === 'GC-1')!.points.map((point) => point.spec.id)).not.toContain('detector3');
  });

  it('defines a store point for every polled Modbus point and every OPC UA point, with its metadata', () => {
    const polled = config.devices.flatMap((device) => device.points.filter((point) => point.spec.poll).map((point) => point.readingId));
    const opcua = config.opcua.flatMap((connection) => connection.points.map((point) => point.id));
    expect(config.storePoints.map((point) => point.pointId).sort()).toEqual([...polled, ...opcua].sort());
    const ch4 = presetLimits('CH4', '%LEL');
    const gd101 = config.storePoints.find((point) => point.pointId === 'GD-101.concentration')!;
    expect(gd101).toMatchObject({ unit: '%LEL', high: ch4.hi, highHigh: ch4.hihi, tagNumber: 'GT-101', casNumber: '74-82-8', gatewayCode: config.site.gatewayCode });
    const t101 = config.storePoints.find((point) => point.pointId === 'T-101.level')!;
    expect(t101.hazardSourceCode).toBe(config.site.areas.find((area) => area.id === 'tank-yard')!.hazardSourceCode);
    expect(config.storePoints.find((point) => point.pointId === 'XV-301.closed')).toMatchObject({ valueKind: 'boolean', resolution: 1 });
  });

  it("hands the engine each point's resolution, the store's, so alarm texts show values at it", () => {
    const resolutionOf = (pointId: string) => config.engine.points.find((point) => point.id === pointId)?.resolution;
    for (const storePoint of config.storePoints) {
      if (config.engine.points.some((point) => point.id === storePoint.pointId)) expect(resolutionOf(storePoint.pointId), storePoint.pointId).toBe(storePoint.resolution);
    }
    const explicit = parseAgentConfig(replaceOnce(sampleText, '    tagNumber: GT-101', '    tagNumber: GT-101\n    resolution: 0.1'), SAMPLE);
    expect(explicit.engine.points.find((point) => point.id === 'GD-101.concentration')?.resolution).toBe(0.1);
  });

  it('settles outputs, users, retention, the store path and the API', () => {
    expect(config.outputs).toEqual([expect.objectContaining({ id: 'XV-301', command: 'XV-301.command', tripValue: false })]);
    expect(config.store.path).toBe(join(dirname(SAMPLE), 'hazmon.duckdb'));
    expect(config.opcua.map((connection) => connection.pkiDir)).toEqual([join(dirname(SAMPLE), 'opcua-pki')]);
    expect(config.store.rawRetentionDays).toBeGreaterThanOrEqual(30);
    expect(config.api.host).toBe('127.0.0.1');
    expect(config.users.map((user) => user.role)).toEqual(['admin']);
  });

  it('serves plain HTTP only on loopback unless told otherwise, and takes TLS files relative to the config file', () => {
    const withApi = (api: string) => replaceOnce(sampleText, 'api:\n  host: 127.0.0.1\n  port: 8080\n', `api: ${api}\n`);
    expect(issuesOf(withApi('{ host: 0.0.0.0, port: 8080 }'))).toEqual([expect.objectContaining({ path: 'api.host', problem: expect.stringContaining('api.allowPlainHttp') })]);
    expect(parseAgentConfig(withApi('{ host: 0.0.0.0, allowPlainHttp: true }'), SAMPLE).api).toEqual({ host: '0.0.0.0', port: 8080, allowPlainHttp: true });
    expect(parseAgentConfig(withApi('{ host: "::1" }'), SAMPLE).api.allowPlainHttp).toBe(false);
    const tls = parseAgentConfig(withApi('{ host: 0.0.0.0, port: 8443, tls: { cert: tls/cert.pem, key: /etc/hazmon/key.pem } }'), SAMPLE).api;
    expect(tls.tls).toEqual({ cert: join(dirname(SAMPLE), 'tls/cert.pem'), key: '/etc/hazmon/key.pem' });
    expect(issuesOf(withApi('{ tls: { cert: c.pem } }'))).toEqual([expect.objectContaining({ path: 'api.tls.key' })]);
    expect(issuesOf(withApi('{ allowPlainHttp: "yes" }'))).toEqual([expect.objectContaining({ path: 'api.allowPlainHttp' })]);
  });

  it('checks the uplink section: TLS off loopback, one way to authenticate, files relative to the config file, a gateway code fit for subjects', () => {
    const withUplink = (uplink: string, text = sampleText) => `${text}\nuplink: ${uplink}\n`;
    expect(parseAgentConfig(sampleText, SAMPLE).uplink).toBeNull();
    const uplink = parseAgentConfig(withUplink('{ servers: [tls://hub.example:4222], auth: { user: gw-demo, passwordFile: secrets/uplink.pw }, tls: { ca: /etc/hazmon/hub-ca.pem } }'), SAMPLE).uplink;
    expect(uplink).toEqual({
      servers: ['tls://hub.example:4222'],
      auth: { user: 'gw-demo', passwordFile: join(dirname(SAMPLE), 'secrets/uplink.pw') },
      tls: { ca: '/etc/hazmon/hub-ca.pem' },
      allowPlainText: false,
      healthIntervalS: 30,
    });
    expect(issuesOf(withUplink('{ servers: [nats://hub.example:4222] }'))).toEqual([expect.objectContaining({ path: 'uplink.servers[0]', problem: expect.stringContaining('uplink.allowPlainText') })]);
    expect(parseAgentConfig(withUplink('{ servers: [nats://127.0.0.1:4222] }'), SAMPLE).uplink?.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(issuesOf(withUplink('{ servers: [http://hub:4222] }'))).toEqual([expect.objectContaining({ path: 'uplink.servers[0]', problem: expect.stringContaining('nats://host:port') })]);
    expect(issuesOf(withUplink('{ servers: [nats://127.0.0.1:4222], auth: { user: gw, credsFile: gw.creds } }'))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'uplink.auth', problem: expect.stringContaining('exactly one') })]),
    );
    expect(issuesOf(withUplink('{ servers: [nats://127.0.0.1:4222], auth: { user: gw } }'))).toEqual([expect.objectContaining({ path: 'uplink.auth.passwordFile' })]);
    expect(issuesOf(withUplink('{ servers: [nats://127.0.0.1:4222], auth: { password: x } }'))).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'uplink.auth' })]));
    const noCode = replaceOnce(sampleText, '  gatewayCode: GW-DEMO-0001           # issued by the provincial platform\n', '');
    expect(issuesOf(withUplink('{ servers: [nats://127.0.0.1:4222] }', noCode))).toEqual([expect.objectContaining({ path: 'uplink', problem: expect.stringContaining('site.gatewayCode') })]);
    const dotted = replaceOnce(sampleText, 'gatewayCode: GW-DEMO-0001', 'gatewayCode: GW.DEMO');
    expect(issuesOf(withUplink('{ servers: [nats://127.0.0.1:4222] }', dotted))).toEqual([expect.objectContaining({ path: 'site.gatewayCode' })]);
  });

  it('holds the documented demo password as a hash, never in plain', async () => {
    expect(sampleText).not.toMatch(/^\s*password:/m);
    expect(await verifyPassword('change-me', config.users[0]!.passwordHash)).toBe(true);
  });

  it('gives an engine config the alarm engine runs: a methane reading past hihi raises the alarm after its on-delay', () => {
    const events: EngineEvent[] = [];
    const engine = new AlarmEngine(config.engine, (event) => events.push(event));
    const limits = presetLimits('CH4', '%LEL');
    const reading = (time: number) => ({ pointId: 'GD-101.concentration', value: limits.hihi! + 5, unit: '%LEL', sourceTime: null, receiveTime: time, quality: 'good' as const });
    engine.processReadings([reading(1_000), reading(4_000)]);
    expect(engine.alarm('GD-101.concentration/hihi')?.state).not.toBe('normal');
    expect(config.alarmCount).toBe(engine.alarms().length);
  });
});

describe('shut-off valve feedback', () => {
  it('takes a valve with a closed switch only: feedback { closed } without open', () => {
    const config = parseAgentConfig(replaceOnce(sampleText, 'feedback: { closed: XV-301.closed, open: XV-301.open }', 'feedback: { closed: XV-301.closed }'), SAMPLE);
    expect(config.outputs[0]!.feedback).toEqual({ closed: 'XV-301.closed' });
  });

  it('still needs the closed switch, and a valve without feedback is refused', () => {
    const openOnly = issuesOf(replaceOnce(sampleText, 'feedback: { closed: XV-301.closed, open: XV-301.open }', 'feedback: { open: XV-301.open }'));
    expect(openOnly.map((issue) => issue.path)).toEqual(['outputs[0].feedback.closed']);
    const none = issuesOf(replaceOnce(sampleText, '    feedback: { closed: XV-301.closed, open: XV-301.open }\n', ''));
    expect(none.map((issue) => [issue.path, issue.problem])).toEqual([['outputs[0]', expect.stringContaining('open may be left out when the valve has a closed switch only')]]);
  });
});

describe('cross-reference errors', () => {
  const cases: { name: string; from: string; to: string; needle: string; path: string; code: ConfigIssue['code'] }[] = [
    { name: 'a device on a missing line', from: 'line: line-1, unitId: 3 }', to: 'line: line-9, unitId: 3 }', needle: 'line-9', path: 'devices[5].line', code: 'HAZMON_CONFIG_REFERENCE' },
    { name: 'a point no device produces', from: '- id: GD-201.gas1', to: '- id: GD-201.gas7', needle: 'GD-201.gas7', path: 'points[5].id', code: 'HAZMON_CONFIG_REFERENCE' },
    {
      name: 'a voting member that is not a point entry',
      from: 'AI-1.channel1, AI-1.channel2]',
      to: 'AI-1.channel1, AI-1.channel4]',
      needle: 'AI-1.channel4]',
      path: 'votingGroups[0].points[2]',
      code: 'HAZMON_CONFIG_REFERENCE',
    },
    { name: 'an action on a missing output', from: 'output: XV-301,', to: 'output: XV-302,', needle: 'XV-302', path: 'actions[0].output', code: 'HAZMON_CONFIG_REFERENCE' },
    {
      name: 'a feedback point that is not a boolean',
      from: 'open: XV-301.open }',
      to: 'open: LT-201.level }',
      needle: 'LT-201.level }',
      path: 'outputs[0].feedback.open',
      code: 'HAZMON_CONFIG_REFERENCE',
    },
    {
      name: 'a command point that does not exist',
      from: 'command: XV-301.command',
      to: 'command: XV-301.comand',
      needle: 'XV-301.comand',
      path: 'outputs[0].command',
      code: 'HAZMON_CONFIG_REFERENCE',
    },
    {
      name: 'a duplicate point entry',
      from: '- id: GC-1.detector1',
      to: '- id: GD-201.gas1',
      needle: 'GD-201.gas1\n    area: compressor-house\n    gas: C3H8',
      path: 'points[6].id',
      code: 'HAZMON_CONFIG_DUPLICATE',
    },
    { name: 'an unknown field (typo)', from: '    tagNumber: GT-102', to: '    tagNumbr: GT-102', needle: 'GT-102', path: 'points[1].tagNumbr', code: 'HAZMON_CONFIG_INVALID' },
    {
      name: 'an action naming an alarm that no rule raises',
      from: 'GD-201.gas1/hihi]',
      to: 'GD-201.gas1/hihihi]',
      needle: 'GD-201.gas1/hihihi',
      path: 'actions[0].when[1]',
      code: 'HAZMON_CONFIG_RULES',
    },
  ];
  for (const { name, from, to, needle, path, code } of cases) {
    it(name, () => {
      const text = replaceOnce(sampleText, from, to);
      const issues = issuesOf(text);
      expect(issues.map((issue) => ({ code: issue.code, path: issue.path, line: issue.line, column: issue.column }))).toContainEqual({ code, path, ...positionOf(text, needle) });
      const issue = issues.find((candidate) => candidate.path === path)!;
      expect(issue.file).toBe(SAMPLE);
    });
  }

  it('reports every problem of the file, not only the first', () => {
    let text = replaceOnce(sampleText, 'line: line-1, unitId: 3 }', 'line: line-9, unitId: 3 }');
    text = replaceOnce(text, 'output: XV-301,', 'output: XV-302,');
    text = replaceOnce(text, 'rawDays: 30 ', 'rawDays: 29 ');
    const error = (() => {
      try {
        parseAgentConfig(text, SAMPLE);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(HazmonConfigError);
    const { code, issues, message } = error as HazmonConfigError;
    expect(code).toBe('HAZMON_CONFIG_INVALID');
    expect(issues.map((issue) => issue.path)).toEqual(['devices[5].line', 'actions[0].output', 'retention.rawDays']);
    expect(message).toContain('got "line-9"');
    expect(message).toContain('got 29');
  });

  it('never quotes a password, even a bad one', () => {
    const text = replaceOnce(sampleText, 'opcua:\n  - id: tank-farm\n', 'opcua:\n  - id: tank-farm\n    user: { userName: ops, password: 271828 }\n');
    const issues = issuesOf(text);
    expect(issues.map((issue) => issue.path)).toEqual(['opcua[0].user.password']);
    expect(JSON.stringify(issues)).not.toContain('271828');
  });

  it('refuses a file that cannot be read, an empty file and YAML that is not a mapping', () => {
    expect(() => loadAgentConfig(join(dirname(SAMPLE), 'no-such-site.yaml'))).toThrow(/cannot read the file \(ENOENT\).*HAZMON_CONFIG_UNREADABLE/s);
    expect(issuesOf('').map((issue) => [issue.path, issue.line])).toEqual([['', 1]]);
    expect(issuesOf('- just\n- a list\n').map((issue) => issue.code)).toEqual(['HAZMON_CONFIG_INVALID']);
  });
});

describe('profiles.dir: the site own device profiles', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  /** A config file in a fresh folder with a `my-profiles/` folder holding one model not shipped with hazmon. */
  function siteWithOwnProfile(profilesSection: string): string {
    const folder = mkdtempSync(join(tmpdir(), 'hazmon-profiles-'));
    folders.push(folder);
    mkdirSync(join(folder, 'my-profiles'));
    writeFileSync(
      join(folder, 'my-profiles', 'plant-bank.yaml'),
      'model: plant-bank\ndescription: three gas readings in ppm\ndefaults: { table: holding }\npoints:\n  - { id: "p{n}", address: 0, repeat: { count: 3, step: 1 }, type: int16, unit: ppm }\n',
    );
    const file = join(folder, 'site.yaml');
    writeFileSync(
      file,
      `site: { id: t, name: Test site }
lines:
  - { id: tcp, kind: tcp, host: 127.0.0.1, port: 5020 }
devices:
  - { id: BANK-1, profile: plant-bank, line: tcp, unitId: 1 }
  - { id: GD-1, profile: honeywell-xnx, line: tcp, unitId: 2 }
${profilesSection}
`,
    );
    return file;
  }

  it('takes a model from the folder and any other from the shipped profiles', () => {
    const config = loadAgentConfig(siteWithOwnProfile('profiles: { dir: my-profiles }'));
    expect(config.devices.find((device) => device.id === 'BANK-1')?.points.map((point) => point.readingId)).toEqual(['BANK-1.p1', 'BANK-1.p2', 'BANK-1.p3']);
    expect(config.storePoints.map((point) => point.pointId)).toContain('GD-1.concentration');
  });

  it('reports a folder that is not there at profiles.dir, and without it the model is unknown', () => {
    const missing = siteWithOwnProfile('profiles: { dir: no-such-folder }');
    expect(() => loadAgentConfig(missing)).toThrow(HazmonConfigError);
    try {
      loadAgentConfig(missing);
    } catch (error) {
      const issues = (error as HazmonConfigError).issues;
      expect(issues.find((issue) => issue.path === 'profiles.dir')).toMatchObject({ code: 'HAZMON_CONFIG_INVALID', line: 7 });
      expect(issues.find((issue) => issue.path === 'profiles.dir')?.problem).toContain(join(dirname(missing), 'no-such-folder'));
      expect(issues.some((issue) => issue.path === 'devices[0].profile')).toBe(true);
    }
  });
});

describe('OPC UA PKI folders', () => {
  const site = (connection: string, store: string) => `
site: { id: yard, name: Yard, areas: [{ id: yard, name: Yard }] }
lines: []
devices: []
opcua:
  - { id: farm, endpointUrl: "opc.tcp://127.0.0.1:4840", points: [{ id: T.level, nodeId: "ns=1;s=T.Level" }]${connection} }
store: { path: ${store} }
`;

  it('resolves a relative pkiDir from the config file folder, as store.path', () => {
    const config = parseAgentConfig(site(', pkiDir: certs/opcua', 'data/site.duckdb'), '/etc/hazmon/site.yaml');
    expect(config.opcua[0]!.pkiDir).toBe('/etc/hazmon/certs/opcua');
  });

  it('keeps the PKI beside the store by default, so trust survives a restart', () => {
    const config = parseAgentConfig(site('', '/var/lib/hazmon/site.duckdb'), '/etc/hazmon/site.yaml');
    expect(config.opcua[0]!.pkiDir).toBe('/var/lib/hazmon/opcua-pki');
  });
});
