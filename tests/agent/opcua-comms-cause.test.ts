/**
 * The cause of an OPC UA connection failure reaches the comms alarm, its stored row and the journal line, against a
 * real tank farm: a refused connection, a closed socket, a wrong password, a refused client certificate and an
 * untrusted server certificate; a certificate problem says which certificate to trust, where.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, parseAgentConfig, type AgentEvent } from '@hazmon/agent';
import { startTankFarm, tankNodeId, type RunningTankFarm } from '@hazmon/simulators';
import { eventLine } from '../../agent/src/cli/run-agent.ts';
import { waitFor, waitForRows } from './fixture.ts';

const OPERATOR = { userName: 'operator', password: 'tank-farm-secret' };
let dir = '';
let farm: RunningTankFarm;
let strictFarm: RunningTankFarm;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hazmon-opcua-cause-'));
  const tanks = [{ id: 'T-1', heightMm: 10_000, levelMm: 1000, pressureKPa: 101, temperatureC: 15 }];
  farm = await startTankFarm({ port: 0, speed: 0, tanks, users: [OPERATOR], pkiDir: join(dir, 'server-pki') });
  strictFarm = await startTankFarm({ port: 0, speed: 0, tanks, users: [OPERATOR], pkiDir: join(dir, 'strict-server-pki'), trustUnknownClientCertificate: false });
}, 60_000);

afterAll(async () => {
  await farm?.stop();
  await strictFarm?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A port that accepts a TCP connection and closes it at once, as a firewall or a crashed service behind a proxy does. */
async function closingPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('closing port: no address');
  return { port: address.port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Starts an agent on one connection, waits for its comms alarm, and returns the event with its stored row. */
async function commsAlarm(name: string, connection: Record<string, unknown>) {
  const caseDir = join(dir, name);
  mkdirSync(caseDir);
  const yaml = `
site: { id: yard, name: Yard, areas: [{ id: yard, name: Yard }] }
lines: []
devices: []
opcua:
  - ${JSON.stringify({ id: 'farm', points: [{ id: 'T-1.level', nodeId: tankNodeId('T-1', 'Level') }], ...connection })}
store: { path: ${JSON.stringify(join(caseDir, 'site.duckdb'))} }
`;
  const agent = await Agent.start(parseAgentConfig(yaml, join(caseDir, 'site.yaml')), { store: { flushIntervalMs: 100 } });
  try {
    const events: AgentEvent[] = [];
    agent.subscribe((event) => events.push(event));
    const raised = await waitFor('the comms alarm', () => events.find((event) => event.type === 'runtime_alarm' && event.alarmId === 'farm/comms_loss' && event.active), { timeoutMs: 30_000 });
    const rows = await waitForRows(
      () => agent.reader.alarmEventsAfter(0),
      (found) => found.some((row) => row.ruleId === 'comms_loss'),
    );
    return { why: raised.type === 'runtime_alarm' ? raised.why : '', journal: eventLine(raised, { outcome: 'not_stored' }), stored: rows.find((row) => row.ruleId === 'comms_loss')! };
  } finally {
    await agent.stop();
  }
}

describe('OPC UA comms alarm cause', () => {
  it('names a refused connection', async () => {
    const { why, journal, stored } = await commsAlarm('refused', { endpointUrl: 'opc.tcp://127.0.0.1:1' });
    expect(why).toContain('opc.tcp://127.0.0.1:1');
    expect(why).toContain('ECONNREFUSED');
    expect(journal).toContain('ECONNREFUSED');
    expect(stored.why).toBe(why);
    expect(stored.details).toMatchObject({ code: 'HAZMON_OPCUA_CONNECT_FAILED' });
  }, 60_000);

  it('names a socket the other side closed', async () => {
    const closing = await closingPort();
    try {
      const { why } = await commsAlarm('closed', { endpointUrl: `opc.tcp://127.0.0.1:${closing.port}` });
      expect(why).toContain(`opc.tcp://127.0.0.1:${closing.port}`);
      expect(why).not.toMatch(/connection farm (lost|down), reconnecting$/);
      expect(why).toMatch(/cannot open a secure channel/);
    } finally {
      await closing.close();
    }
  }, 60_000);

  it('names a wrong password', async () => {
    const { why, stored } = await commsAlarm('password', { endpointUrl: farm.endpointUrl, user: { userName: 'operator', password: 'wrong' } });
    // The code is the alarm's details.code; the why is the sentence for a person.
    expect(why).toContain('"operator"');
    expect(why).toContain('BadUserAccessDenied');
    expect(stored.details).toMatchObject({ code: 'HAZMON_OPCUA_AUTH_REJECTED' });
  }, 60_000);

  it('says to trust the server certificate, and where, when hazmon does not trust it', async () => {
    const pkiDir = join(dir, 'untrusted-client-pki');
    const { why, stored } = await commsAlarm('untrusted', { endpointUrl: farm.endpointUrl, securityMode: 'Sign', user: OPERATOR, pkiDir, trustUnknownServerCertificate: false });
    expect(why).toContain('BadCertificateUntrusted');
    expect(why).toContain(`move ${join(pkiDir, 'rejected')}/`);
    expect(why).toContain(`into ${join(pkiDir, 'trusted', 'certs')}`);
    expect(stored.details).toMatchObject({ code: 'HAZMON_OPCUA_CERTIFICATE_REJECTED' });
  }, 60_000);

  it("says to trust hazmon's client certificate on the server when the server refuses it", async () => {
    const pkiDir = join(dir, 'refused-client-pki');
    const { why, stored } = await commsAlarm('client-refused', { endpointUrl: strictFarm.endpointUrl, securityMode: 'Sign', user: OPERATOR, pkiDir, trustUnknownServerCertificate: true });
    expect(why).toContain(`add ${join(pkiDir, 'own', 'certs', 'client_certificate.pem')} to the server's trusted certificates`);
    expect(stored.details).toMatchObject({ code: 'HAZMON_OPCUA_CERTIFICATE_REJECTED' });
  }, 60_000);
});
