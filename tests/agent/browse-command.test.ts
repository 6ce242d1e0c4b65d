/**
 * `hazmon browse ENDPOINT` as an integrator runs it, against the simulators' tank farm over a real socket: the point
 * entries it prints paste into a config that the agent then reads; security options and a user reach the server; an
 * unreachable endpoint and a usage mistake exit non-zero with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig } from '@hazmon/agent';
import { startTankFarm, tankNodeId, type RunningTankFarm } from '@hazmon/simulators';
import { runHazmon, waitFor } from './fixture.ts';

const USER = { userName: 'integrator', password: 's3cret' };
let farm: RunningTankFarm;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hazmon-browse-'));
  farm = await startTankFarm({
    port: 0,
    speed: 0,
    pkiDir: join(dir, 'server-pki'),
    users: [USER],
    allowAnonymous: true,
    tanks: [{ id: 'T-1', heightMm: 10_000, levelMm: 1234, pressureKPa: 101, temperatureC: 15 }],
  });
});

afterAll(async () => {
  await farm?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function browse(args: string[], input?: string) {
  const run = runHazmon(['browse', ...args], input);
  const code = await run.exited;
  return { code, ...run.output };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('hazmon browse', () => {
  it('prints the tank variables as point entries that paste into a config the agent reads', async () => {
    const { code, stdout, stderr } = await browse([farm.endpointUrl]);
    expect(code, stderr).toBe(0);
    // Only YAML on stdout: node-opcua's own log lines went to stderr.
    expect(stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('- {'))).toEqual([]);
    expect(stdout).toContain(`# TankFarm/T-1/Level: Double, unit mm, EURange 0..10000, read-only\n- { id: TankFarm.T-1.Level, nodeId: "${tankNodeId('T-1', 'Level')}", unit: mm }\n`);
    expect(stdout).toContain(`# TankFarm/T-1/InletValve: Boolean, writable\n- { id: TankFarm.T-1.InletValve, nodeId: "${tankNodeId('T-1', 'InletValve')}", type: bool }\n`);

    const pasted = stdout
      .split('\n')
      .map((line) => `      ${line}`)
      .join('\n');
    const yaml = `
site: { id: yard, name: Yard }
opcua:
  - id: farm
    endpointUrl: ${farm.endpointUrl}
    publishingIntervalMs: 100
    points:
${pasted}
store: { path: ${JSON.stringify(join(dir, 'pasted.duckdb'))} }
`;
    const config = parseAgentConfig(yaml, join(dir, 'pasted.yaml'));
    expect(config.storePoints.find((point) => point.pointId === 'TankFarm.T-1.InletValve')).toMatchObject({ valueKind: 'boolean' });
    expect(config.opcua[0]!.points.map((point) => point.id).sort()).toEqual(
      ['InletClosed', 'InletOpen', 'InletValve', 'Level', 'OutletPump', 'Pressure', 'Temperature'].map((name) => `TankFarm.T-1.${name}`),
    );
    const agent = await Agent.start(config, { store: { flushIntervalMs: 100 } });
    try {
      const levels: unknown[] = [];
      agent.subscribeReadings((batch) => levels.push(...batch.filter((reading) => reading.pointId === 'TankFarm.T-1.Level' && reading.quality === 'good').map((reading) => reading.value)));
      expect(await waitFor('a good level reading', () => levels[0], { timeoutMs: 30_000 })).toBe(1234);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('connects with Sign, a PKI folder, first-contact trust and a user whose password comes on stdin', async () => {
    const pkiDir = join(dir, 'client-pki');
    const secure = ['--security-mode', 'Sign', '--pki-dir', pkiDir, '--trust-unknown-server-certificate', '--user', USER.userName, '--start', 'ns=1;s=TankFarm', '--depth', '2'];
    const ok = await browse([farm.endpointUrl, ...secure], `${USER.password}\n`);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`- { id: T-1.Pressure, nodeId: "${tankNodeId('T-1', 'Pressure')}", unit: kPa }`);

    const refused = await browse([farm.endpointUrl, ...secure], 'wrong\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HAZMON_OPCUA_AUTH_REJECTED: server refused a session for .* \(security Sign, user "integrator"\)/);
    expect(refused.stdout).toBe('');
  }, 60_000);

  it('an unreachable endpoint: exit 1 with the endpoint and the cause, nothing on stdout', async () => {
    const endpoint = `opc.tcp://127.0.0.1:${await closedPort()}`;
    const { code, stdout, stderr } = await browse([endpoint]);
    expect(code).toBe(1);
    expect(stderr).toContain(`hazmon browse: HAZMON_OPCUA_CONNECT_FAILED: cannot open a secure channel to ${endpoint} (security None, anonymous)`);
    expect(stderr).toContain('ECONNREFUSED');
    expect(stdout).toBe('');
  }, 30_000);

  it('usage mistakes exit 64 naming the option, before connecting', async () => {
    const badMode = await browse([farm.endpointUrl, '--security-mode', 'Encrypt']);
    expect(badMode.code).toBe(64);
    expect(badMode.stderr).toContain('hazmon browse: --security-mode "Encrypt": ');
    expect(badMode.stderr).toContain('usage: hazmon browse ENDPOINT');

    const signWithoutPki = await browse([farm.endpointUrl, '--security-mode', 'SignAndEncrypt']);
    expect(signWithoutPki.code).toBe(64);
    expect(signWithoutPki.stderr).toContain('--security-mode SignAndEncrypt needs --pki-dir');

    const notAnEndpoint = await browse(['http://127.0.0.1:4840']);
    expect(notAnEndpoint.code).toBe(64);
    expect(notAnEndpoint.stderr).toContain('ENDPOINT "http://127.0.0.1:4840": must start with opc.tcp://host:port');
  }, 30_000);
});
