/**
 * Gateways for the hub's system test: each a real `hazmon run` process on its own simulated plant (a gas detector
 * whose looping scenario raises and clears its hi alarm, and a second one with noise), its uplink to every node of
 * the hub's cluster through a relay per node that the test can cut, and its own web API read with a viewer's session.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@hazmon/agent';
import { startLinkRelay, startSite, type LinkRelay, type RunningSite } from '@hazmon/simulators';
import { waitFor } from '@hazmon/test-support';
import { runHazmon } from '../agent/fixture.ts';
import { gatewayUserName, type GatewayUser } from './servers.ts';

const VIEWER = { name: 'view', password: 'view-secret' } as const;
/** The lowest scrypt cost the config accepts: the test checks data, not hash strength. */
const TEST_COST = { ln: 10, r: 8, p: 1 };

export interface GatewayEvent {
  readonly seq: number;
  readonly time: number;
  readonly writtenAt: number;
  readonly pointId: string | null;
  readonly ruleId: string;
  readonly kind: string;
}

export interface GatewayMinute {
  readonly pointId: string;
  /** ISO 8601 UTC */
  readonly start: string;
  readonly min: number | null;
  readonly avg: number | null;
  readonly max: number | null;
  readonly count: number;
}

/** The plant's gas detector: 5 %LEL, above its hi limit (20) for 4 s of every `loopS` (a raised and a cleared event each round). */
function leakingDetector(loopS: number) {
  return {
    name: 'leak-loop',
    seed: loopS,
    durationS: loopS,
    loop: true,
    initial: { concentration: 5 },
    effects: [
      { kind: 'step', quantity: 'concentration', value: 30, startS: 2, durationS: 4 },
      { kind: 'noise', quantity: 'concentration', amplitude: 0.5, periodS: 1 },
    ],
  };
}

export class Gateway {
  private run: ReturnType<typeof runHazmon> | null = null;
  private base = '';
  private cookie = '';
  /** Every line the gateway's processes printed, across restarts. */
  private readonly logs: string[] = [];

  private constructor(
    readonly code: string,
    private readonly site: RunningSite,
    private readonly relays: readonly LinkRelay[],
    private readonly dir: string,
    private readonly configFile: string,
  ) {}

  /** The plant, the relays in front of `nodePorts`, the config; not yet running (`start`). */
  static async create(user: GatewayUser, loopS: number, nodePorts: readonly number[]): Promise<Gateway> {
    const site = await startSite({
      name: user.gateway,
      speed: 1,
      tcp: [
        {
          name: 'plant',
          devices: [
            { id: 'GD-1', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100 }, scenario: leakingDetector(loopS) },
            {
              id: 'GD-2',
              unitId: 2,
              model: 'honeywell-midas',
              options: { rangeMax: 100 },
              scenario: { name: 'noise', seed: 7, durationS: 60, loop: true, initial: { concentration: 3 }, effects: [{ kind: 'noise', quantity: 'concentration', amplitude: 1, periodS: 1 }] },
            },
          ],
        },
      ],
    });
    const relays: LinkRelay[] = [];
    const dir = mkdtempSync(join(tmpdir(), `hazmon-gw-${user.gateway}-`));
    try {
      for (const port of nodePorts) relays.push(await startLinkRelay(port));
      const plantPort = site.endpoints.find((endpoint) => endpoint.deviceId === 'GD-1')!.port!;
      writeFileSync(join(dir, 'uplink.password'), `${user.password}\n`);
      const configFile = join(dir, 'site.yaml');
      writeFileSync(
        configFile,
        `site:
  id: ${user.gateway.toLowerCase()}
  name: Plant ${user.gateway}
  gatewayCode: ${user.gateway}
  areas: [{ id: house, name: Compressor house }]
lines:
  - { id: plant, kind: tcp, host: 127.0.0.1, port: ${plantPort}, timing: { timeoutMs: 500, retries: 0, backoffBaseMs: 300, backoffMaxMs: 600 } }
devices:
  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1 }
  - { id: GD-2, profile: honeywell-midas, line: plant, unitId: 2 }
opcua: []
points:
  - { id: GD-1.concentration, area: house, rules: { limits: { hi: 20, hihi: 40 }, deadband: 1 } }
  - { id: GD-2.concentration, area: house, rules: { limits: { hi: 20, hihi: 40 }, deadband: 1 } }
users:
  - { name: ${VIEWER.name}, role: viewer, passwordHash: "${await hashPassword(VIEWER.password, TEST_COST)}" }
store:
  path: ${JSON.stringify(join(dir, 'site.duckdb'))}
api: { host: 127.0.0.1, port: 0 }
uplink:
  servers: [${relays.map((relay) => `nats://127.0.0.1:${relay.port}`).join(', ')}]
  auth: { user: ${gatewayUserName(user.gateway)}, passwordFile: uplink.password }
  healthIntervalS: 5
`,
      );
      return new Gateway(user.gateway, site, relays, dir, configFile);
    } catch (error) {
      for (const relay of relays) await relay.close();
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** `hazmon run` on the gateway's config and store; resolves once its web server answers the viewer's sign-in. */
  async start(): Promise<void> {
    const run = runHazmon(['run', this.configFile]);
    this.run = run;
    const state = () => this.output();
    const address = await waitFor('the web server address', () => /hazmon run: web server at (http:\/\/\S+)/.exec(run.output.stdout)?.[1], { timeoutMs: 60_000, everyMs: 100, state });
    this.base = address;
    const response = await fetch(`${address}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: address },
      body: JSON.stringify(VIEWER),
    });
    if (!response.ok) throw new Error(`${this.code}: sign-in: HTTP ${response.status}: ${await response.text()}\n${state()}`);
    this.cookie = response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
  }

  /** kill -9: no shutdown, the store and the uplink's position as the crash left them. */
  async kill(): Promise<void> {
    await this.end('SIGKILL');
  }

  /** SIGTERM, waited for (SIGKILL after 30 s). */
  async stop(): Promise<void> {
    await this.end('SIGTERM');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const run = this.run;
    if (run === null) return;
    this.run = null;
    this.logs.push(run.output.stdout, run.output.stderr);
    if (run.child.exitCode !== null || run.child.signalCode !== null) return;
    run.child.kill(signal);
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
    if ((await Promise.race([run.exited, hung])) === 'hung') {
      run.child.kill('SIGKILL');
      await run.exited;
    }
  }

  /** The link to every node goes: connections reset, new ones accepted and then silent (as a dead route). */
  cut(): void {
    for (const relay of this.relays) {
      relay.silence(true);
      relay.drop();
    }
  }

  /** The link returns (the silent connections reset, so the client reconnects at once rather than after its pings). */
  restore(): void {
    for (const relay of this.relays) {
      relay.silence(false);
      relay.drop();
    }
  }

  /** What the gateway's processes printed (the running one's last). */
  output(): string {
    const current = this.run ? [this.run.output.stdout, this.run.output.stderr] : [];
    return `${this.code}: ${[...this.logs, ...current].join('').slice(-3000)}`;
  }

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.base}${path}`, { headers: { cookie: this.cookie } });
    if (!response.ok) throw new Error(`${this.code} GET ${path}: HTTP ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Every alarm event in the gateway's store, through its API's pages. */
  async events(): Promise<GatewayEvent[]> {
    const events: GatewayEvent[] = [];
    for (let after = 0; ; ) {
      const page = await this.get<{ events: GatewayEvent[]; next: number }>(`/api/v1/alarm-events?after=${after}&limit=1000`);
      events.push(...page.events);
      if (page.events.length === 0) return events;
      after = page.next;
    }
  }

  /** The gateway's own 1-minute aggregates in [from, to), through its API's pages. */
  async minutes(from: number, to: number): Promise<GatewayMinute[]> {
    const rows: GatewayMinute[] = [];
    const end = new Date(to).toISOString();
    for (let start: string | null = new Date(from).toISOString(); start !== null; ) {
      const page: { rows: GatewayMinute[]; next: string | null } = await this.get(`/api/v1/aggregates?interval=1m&from=${start}&to=${end}&limit=10000`);
      rows.push(...page.rows);
      start = page.next;
    }
    return rows;
  }

  async close(): Promise<void> {
    await this.end('SIGKILL');
    for (const relay of this.relays) await relay.close();
    await this.site.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
