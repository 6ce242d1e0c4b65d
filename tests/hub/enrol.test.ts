/**
 * Enrolling a gateway (`hazmon-hub gateway add`): the NATS users entry it prints, pasted into a real nats-server's
 * config, lets the gateway in with the password file it wrote, to publish its own subjects and not another gateway's; the
 * uplink section it prints is one the gateway's config takes; a code unfit for subjects and an existing password file are refused.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAgentConfig } from '@hazmon/agent';
import { EXIT, HUB_STREAM } from '@hazmon/hub';
import { ALL_UPLINK_SUBJECTS, gatewayNatsUser, uplinkSubject } from '@hazmon/uplink/contract';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { connectionOptions } from '../../uplink/src/connection.ts';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubConnection, startNats, type NatsServer, hubCli } from './servers.ts';

const CODE = 'GW-3205000001AB-01';
const SAMPLE_SITE = fileURLToPath(new URL('../../agent/examples/site.yaml', import.meta.url));
let dir: string;
let configPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-enrol-'));
  writeFileSync(join(dir, 'nats.password'), 'hub-secret\n');
  writeFileSync(join(dir, 'ca.pem'), 'a CA\n');
  configPath = join(dir, 'hub.yaml');
  writeFileSync(
    configPath,
    `nats: { servers: [tls://hub-1.bureau.example:4222, tls://hub-2.bureau.example:4222], user: hub, passwordFile: nats.password, tls: { ca: ca.pem } }
postgres: { url: "postgres://hazmon@127.0.0.1:5432/hazmon" }
victoriaMetrics: { url: "http://127.0.0.1:8428" }
api: { host: 127.0.0.1, port: 0 }
`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hazmon-hub gateway add', () => {
  let nats: NatsServer | undefined;
  const connections: NatsConnection[] = [];
  afterAll(async () => {
    for (const connection of connections) await connection.close();
    await nats?.close();
  });

  it('writes the password (0600) and prints a NATS user that may publish its own subjects only, and an uplink section the gateway takes', async () => {
    const passwordFile = join(dir, `${CODE}.password`);
    const enrolled = await hubCli('gateway', 'add', configPath, CODE, passwordFile);
    expect(enrolled.code, enrolled.err).toBe(EXIT.ok);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(enrolled.out).not.toContain(password);
    const natsUser = enrolled.out.split('\n').find((line) => line.startsWith('{ user: '));
    // Named as the hub's link health and refusals expect; the servers keep the bcrypt hash only.
    expect(natsUser).toMatch(/^\{ user: "gw-GW-3205000001AB-01", password: "\$2[ab]\$11\$[./A-Za-z0-9]{53}", /);
    expect(natsUser).toContain('"hazmon.GW-3205000001AB-01.>"');

    // A second gateway enrolled the same way: the first may not publish as it.
    const other = await hubCli('gateway', 'add', configPath, 'GW-OTHER', join(dir, 'other.password'));
    expect(other.code, other.err).toBe(EXIT.ok);
    const otherUser = other.out.split('\n').find((line) => line.startsWith('{ user: '));

    // The printed gateway config, in a site's config, is one the agent's config loader takes.
    const printed = parse(enrolled.out.slice(enrolled.out.indexOf('\nsite:'))) as { site: { gatewayCode: string }; uplink: object };
    expect(printed.site.gatewayCode).toBe(CODE);
    const uplinkSection = enrolled.out.slice(enrolled.out.indexOf('\nuplink:'));
    const siteConfig = parseAgentConfig(`${readFileSync(SAMPLE_SITE, 'utf8').replace(/gatewayCode: \S+/, `gatewayCode: ${CODE}`)}${uplinkSection}`, SAMPLE_SITE);
    expect(siteConfig.uplink).toEqual({ ...printed.uplink, healthIntervalS: 30, allowPlainText: false });

    nats = await startNats([], { moreUsers: [natsUser!, otherUser!] });
    const hub = await connect(hubConnection(nats));
    connections.push(hub);
    await (await jetstreamManager(hub)).streams.add({ name: HUB_STREAM, subjects: [ALL_UPLINK_SUBJECTS] });

    // The gateway connects as its uplink does (that section, on this server without TLS, the password where the bureau wrote it).
    const { tls: _tls, ...plain } = siteConfig.uplink!;
    const gateway = await connect({ ...connectionOptions({ ...plain, servers: [nats.url], auth: { user: gatewayNatsUser(CODE), passwordFile } }, CODE), maxReconnectAttempts: 0 });
    connections.push(gateway);
    const client = jetstream(gateway);
    const ack = await client.publish(uplinkSubject(CODE, 'health'), '{}');
    expect(ack.stream).toBe(HUB_STREAM);
    await expect(client.publish(uplinkSubject('GW-OTHER', 'health'), '{}', { timeout: 2000 })).rejects.toThrow();
    const stream = await (await jetstreamManager(hub)).streams.info(HUB_STREAM, { subjects_filter: '>' });
    expect(stream.state.subjects).toEqual({ [uplinkSubject(CODE, 'health')]: 1 });
    // Its user may not listen on the other inboxes (the hub's consumer delivers every gateway's messages to the hub's).
    expect(await gateway.subscribe('_INBOX.>').closed).toBeInstanceOf(Error);
    // A wrong password is not let in, nor the other gateway's user with this one's password.
    await expect(connect({ servers: nats.url, user: gatewayNatsUser(CODE), pass: 'wrong', maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: nats.url, user: gatewayNatsUser('GW-OTHER'), pass: password, maxReconnectAttempts: 0 })).rejects.toThrow(/Authorization Violation/i);
  }, 60_000);

  it('refuses a code unfit for subjects and an existing password file, naming them', async () => {
    const dotted = await hubCli('gateway', 'add', configPath, 'GW.1', join(dir, 'dotted.password'));
    expect(dotted.code).toBe(EXIT.failure);
    expect(dotted.err).toContain('gateway code "GW.1": 1-64 letters, digits, _ or -');
    const existing = join(dir, 'existing.password');
    writeFileSync(existing, 'keep me\n');
    const again = await hubCli('gateway', 'add', configPath, 'GW-2', existing);
    expect(again.code).toBe(EXIT.failure);
    expect(again.err).toContain(`password file ${existing}`);
    expect(readFileSync(existing, 'utf8')).toBe('keep me\n');
    expect((await hubCli('gateway', 'remove', configPath, 'GW-2')).code).toBe(EXIT.usage);
  });
});
