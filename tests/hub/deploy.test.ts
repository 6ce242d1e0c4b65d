/**
 * hub/deploy/ cannot drift from what it runs: the NATS config (with an enrolled gateway pasted in) is one nats-server
 * takes, VictoriaMetrics starts with its unit's flags, and the hub's unit starts the real `hazmon-hub run` on the
 * example config, which passes `hazmon-hub check-config`. The files' /etc and /var/lib paths are moved into a temp dir.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '@hazmon/hub';
import { selfSignedCertificate, waitFor } from '@hazmon/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hubCli } from './servers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(REPO, 'hub/deploy');
/** Where the hub's unit expects the repository (its ExecStart's script is under it). */
const INSTALL_DIR = '/opt/hazmon-hub/';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hazmon-hub-deploy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The one value of a key of a unit's [Service] section. */
function serviceValue(unitFile: string, key: string): string {
  const values = readFileSync(join(DEPLOY, unitFile), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
  expect(values, `${unitFile} ${key}`).toHaveLength(1);
  return values[0]!;
}

/** A copy of a deploy file with each of its absolute folders moved under the temp dir. */
function relocated(text: string, folders: readonly string[]): string {
  return folders.reduce((result, folder) => result.replaceAll(folder, join(dir, folder)), text);
}

describe('hub/deploy/', () => {
  it('nats-server.conf with its users file (and a gateway enrolled into it) passes nats-server -t, and needs the unit to name the node', async () => {
    const natsDir = join(dir, 'etc/nats/');
    readdirSync(join(DEPLOY, 'nats')).forEach((name) => void writeTo(join(natsDir, name), relocated(readFileSync(join(DEPLOY, 'nats', name), 'utf8'), ['/etc/nats/', '/var/lib/nats/'])));
    const certificate = selfSignedCertificate(dir);
    for (const name of ['server', 'route']) {
      writeTo(join(natsDir, `tls/${name}.pem`), readFileSync(certificate.cert, 'utf8'));
      copyFileSync(certificate.key, join(natsDir, `tls/${name}.key`));
    }
    copyFileSync(certificate.cert, join(natsDir, 'tls/ca.pem'));

    writeFileSync(join(dir, 'nats.password'), 'secret\n');
    const hubConfig = join(dir, 'hub.yaml');
    writeFileSync(
      hubConfig,
      `nats: { servers: [tls://hub-1.bureau.example:4222], user: hub, passwordFile: nats.password }\npostgres: { url: "postgres://hazmon@127.0.0.1/hazmon" }\nvictoriaMetrics: { url: "http://127.0.0.1:8428" }\napi: { host: 127.0.0.1, port: 0 }\n`,
    );
    const enrolled = await hubCli('gateway', 'add', hubConfig, 'GW-1101100012NR-01', join(dir, 'gw.password'));
    expect(enrolled.code, enrolled.err).toBe(EXIT.ok);
    const printed = enrolled.out;
    const usersFile = join(natsDir, 'hazmon-users.conf');
    const entry = printed.split('\n').find((line) => line.startsWith('{ user: '))!;
    writeFileSync(usersFile, readFileSync(usersFile, 'utf8').replace(/\n]\n$/, `\n  ${entry}\n]\n`));
    expect(readFileSync(usersFile, 'utf8')).toContain(entry);

    const environment = serviceValue('nats-server.service', 'Environment');
    expect(environment).toMatch(/^NATS_SERVER_NAME=/);
    const [server, ...args] = serviceValue('nats-server.service', 'ExecStart').split(' ');
    expect(args).toEqual(['-c', '/etc/nats/nats-server.conf']);
    const check = (env: NodeJS.ProcessEnv) => spawnSync('nats-server', ['-t', '-c', join(natsDir, 'nats-server.conf')], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    const valid = check({ NATS_SERVER_NAME: 'hub-1' });
    expect(valid.status, `${server} -t: ${valid.stderr}${valid.stdout}`).toBe(0);
    expect(`${valid.stderr}${valid.stdout}`).toContain('is valid');
    expect(check({}).status).not.toBe(0);
  });

  it("victoria-metrics.service's command starts VictoriaMetrics with dedup and a retention", async () => {
    const command = serviceValue('victoria-metrics.service', 'ExecStart').split(' ');
    expect(command).toEqual(expect.arrayContaining(['-dedup.minScrapeInterval=1ms', expect.stringMatching(/^-retentionPeriod=\d+y$/)]));
    const port = await freePort();
    const args = command.slice(1).map((arg) => arg.replace(/^-storageDataPath=.*/, `-storageDataPath=${join(dir, 'vm')}`).replace(/^-httpListenAddr=.*/, `-httpListenAddr=127.0.0.1:${port}`));
    const victoria = spawn('victoria-metrics', args, { stdio: 'ignore' });
    try {
      await waitFor('VictoriaMetrics with the unit flags', async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok === true, { timeoutMs: 20_000 });
      const flags = await (await fetch(`http://127.0.0.1:${port}/flags`)).text();
      expect(flags).toContain('-dedup.minScrapeInterval="1ms"');
    } finally {
      victoria.kill('SIGTERM');
      await new Promise((resolve) => victoria.once('exit', resolve));
    }
  }, 60_000);

  it("hazmon-hub.service runs the package's bin on the example config, which passes check-config", () => {
    const [node, script, command, config, ...rest] = serviceValue('hazmon-hub.service', 'ExecStart').split(' ');
    expect(node).toBe('/usr/bin/node');
    expect(script!.startsWith(INSTALL_DIR)).toBe(true);
    const bin = join(REPO, script!.slice(INSTALL_DIR.length));
    const packageJson = JSON.parse(readFileSync(join(REPO, 'hub/package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(bin).toBe(join(REPO, 'hub', packageJson.bin['hazmon-hub']!));
    expect([command, rest]).toEqual(['run', []]);
    expect(config).toBe('/etc/hazmon-hub/hub.yaml');

    const etc = join(dir, 'etc/hazmon-hub');
    writeTo(join(etc, 'hub.yaml'), relocated(readFileSync(join(DEPLOY, 'hub.yaml'), 'utf8'), ['/etc/hazmon-hub/']));
    for (const secret of ['nats.password', 'postgres.password', 'nats-ca.pem', 'api.pem', 'api.key']) writeFileSync(join(etc, secret), 'x\n');
    const checked = spawnSync(process.execPath, [bin, 'check-config', join(etc, 'hub.yaml')], { encoding: 'utf8' });
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(': ok');
  }, 60_000);
});

function writeTo(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
