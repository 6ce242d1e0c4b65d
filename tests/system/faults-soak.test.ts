/**
 * Every comms fault at once, round after round, on one `hazmon run` process: a Modbus TCP server that closes and
 * reopens (after a truncated answer, so the socket goes mid-frame), a detector answering garbled, truncated or
 * wrong-protocol frames or closing the socket on each request, an OPC UA server stopped (in turn shut down and killed) and started again, and a
 * dead slave on an RTU line (a socat pty pair) beside a live one. Each fault is a comms alarm with its reason in
 * GET /api/v1/alarms, each device answers again and its alarm clears without restarting the agent, the process never
 * exits, the live slave is never starved, and the resident memory is flat. `HAZMON_SOAK=1` runs ~20 minutes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '@hazmon/agent';
import { fileURLToPath } from 'node:url';
import { type CommsFault, type RunningModbusTcpServer, type RunningSite, startModbusTcpServer, startSite, tankNodeId } from '@hazmon/simulators';
import { afterAll, expect, it } from 'vitest';
import { PASSWORDS, runCommand, waitFor } from '../agent/fixture.ts';
import { type RunningHazmon, type RuntimeAlarmView, residentKib, runtimeAlarms, startHazmonRun, storedEvents } from './hazmon-process.ts';

const SOAK = process.env['HAZMON_SOAK'] === '1';
/** How long the rounds go on (each round takes ~15-20 s: the faults, then the 5 s return hold before a comms alarm clears). */
const RUN_MS = SOAK ? 20 * 60_000 : 75_000;
/**
 * The second half's median RSS may exceed the first half's by at most this fraction. Sampled after a warm-up round,
 * the agent's RSS moves with V8's heap cycles and DuckDB's buffer pool (bounded by the store's memoryLimitMb and
 * released by the store's upkeep), within a few MB of ~200 MB on this plant; medians of halves smooth those swings
 * out. A leak of what a fault leaves behind (a socket, a request with its buffers and timers, an OPC UA session or
 * subscription per restart: tens to hundreds of KB each, a few per device per round) accumulates over hundreds of
 * faults in the soak to tens of MB, above 10 %; in the short run it shows only if each fault leaks a lot. So it went:
 * each OPC UA connection attempt left its certificate manager behind (~32 KB; a few attempts per restart), and the
 * 20-minute run's second half stood 11 % above its first (203 -> 225 MB) while the short run's halves were 0.6 % apart.
 */
const RSS_MARGIN = 0.1;
const SAMPLE_EVERY_MS = 1000;

/** Faults a Modbus TCP detector plays in turn, one per round. */
const FRAME_FAULTS: CommsFault[] = ['garbled', 'truncated', 'closeSocket', 'wrongProtocolId'];
const ALARMS = {
  flapping: 'GD-F/comms_loss',
  framing: 'GD-G/comms_loss',
  farm: 'farm/comms_loss',
  deadSlave: 'msa-5/comms_loss',
  liveSlave: 'msa-3/comms_loss',
} as const;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 60_000);

const FARM_SCRIPT = fileURLToPath(new URL('./tank-farm-process.ts', import.meta.url));
const TANKS = [{ id: 'T-1', heightMm: 10_000, levelMm: 1000, pressureKPa: 101, temperatureC: 15 }];

/** The OPC UA tank farm as its own process on a fixed port (after the first start), stopped and started again. */
class FarmProcess {
  private constructor(
    private readonly process: ReturnType<typeof runCommand>,
    readonly endpointUrl: string,
    readonly port: number,
  ) {}

  static async start(port: number, pkiDir: string): Promise<FarmProcess> {
    const child = runCommand(process.execPath, ['--import', 'tsx', FARM_SCRIPT, String(port), pkiDir, JSON.stringify(TANKS)]);
    const line = await waitFor(
      'the tank farm listening',
      () => {
        if (child.child.exitCode !== null) throw new Error(`tank farm exited ${child.child.exitCode}: ${child.output.stderr}`);
        return /^\{.*\}$/m.exec(child.output.stdout)?.[0];
      },
      { timeoutMs: 60_000, everyMs: 100 },
    );
    const { endpointUrl, port: listening } = JSON.parse(line) as { endpointUrl: string; port: number };
    return new FarmProcess(child, endpointUrl, listening);
  }

  /** SIGTERM: the server shuts down and says so; SIGKILL: it crashes, its sockets reset. */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (this.process.child.exitCode !== null || this.process.child.signalCode !== null) return;
    this.process.child.kill(signal);
    await this.process.exited;
  }
}

/** The flapping detector's own Modbus TCP server on a fixed port, closed and opened again (a device power-cycling, a switch port flapping). */
class FlappingServer {
  private server: RunningModbusTcpServer | null = null;

  private constructor(
    private readonly site: RunningSite,
    readonly port: number,
  ) {}

  static async start(site: RunningSite, deviceId: string): Promise<FlappingServer> {
    const server = await startModbusTcpServer(site.unitHost(deviceId));
    const flapping = new FlappingServer(site, server.port);
    flapping.server = server;
    return flapping;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  async open(deviceId: string): Promise<void> {
    this.server = await startModbusTcpServer(this.site.unitHost(deviceId), { port: this.port });
  }
}

function configYaml(dir: string, site: RunningSite, flappingPort: number, farmUrl: string, supervisorHash: string): string {
  const tcpPort = site.endpoints.find((endpoint) => endpoint.deviceId === 'GD-G')!.port!;
  const rtu = site.endpoints.find((endpoint) => endpoint.deviceId === 'msa-3')!;
  // The simulators share the test's process and a loaded machine: a timeout shorter than a second would also catch their hiccups.
  const timing = '{ timeoutMs: 1000, retries: 0, backoffBaseMs: 300, backoffMaxMs: 1000, reconnectBaseMs: 200, reconnectMaxMs: 1000 }';
  return `
site:
  id: soak
  name: Faults soak
  areas: [{ id: house, name: Compressor house }, { id: yard, name: Tank yard }]
lines:
  - { id: flapping, kind: tcp, host: 127.0.0.1, port: ${flappingPort}, timing: ${timing} }
  - { id: plant, kind: tcp, host: 127.0.0.1, port: ${tcpPort}, timing: ${timing} }
  - { id: rs485, kind: rtu, path: ${JSON.stringify(rtu.path)}, baudRate: 19200, parity: even, dataBits: 8, stopBits: 1, timing: { timeoutMs: 1000, retries: 0, backoffBaseMs: 500, backoffMaxMs: 2000 } }
devices:
  - { id: GD-F, profile: honeywell-midas, line: flapping, unitId: 1 }
  - { id: GD-G, profile: honeywell-midas, line: plant, unitId: 3 }
  - { id: msa-3, profile: msa-ultima-x, line: rs485, unitId: 3 }
  - { id: msa-5, profile: msa-ultima-x, line: rs485, unitId: 5 }
opcua:
  - id: farm
    endpointUrl: ${farmUrl}
    publishingIntervalMs: 200
    reconnect: { initialDelayMs: 200, maxDelayMs: 1000 }
    points:
      - { id: T-1.level, nodeId: "${tankNodeId('T-1', 'Level')}", samplingIntervalMs: 200 }
points:
  - { id: GD-F.concentration, area: house, rules: { limits: { hi: 20, hihi: 40 } } }
  - { id: GD-G.concentration, area: house, rules: { limits: { hi: 20, hihi: 40 } } }
  - { id: msa-3.gas1, area: house, rules: { limits: { hi: 20, hihi: 40 } } }
  - { id: msa-5.gas1, area: house, rules: { limits: { hi: 20, hihi: 40 } } }
  - { id: T-1.level, area: yard, range: [0, 10000], rules: { limits: { hihi: 9000 } } }
users:
  - { name: sup, role: supervisor, passwordHash: "${supervisorHash}" }
store:
  path: ${JSON.stringify(join(dir, 'site.duckdb'))}
api: { host: 127.0.0.1, port: 0 }
metrics: { port: 0 }
`;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

it(
  `flapping Modbus TCP, bad frames, OPC UA restarts and a dead RTU slave at once for ${RUN_MS / 1000} s: each a comms alarm with its reason, each recovers, no exit, flat memory`,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hazmon-soak-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const site = await startSite(
      {
        name: 'soak',
        tcp: [
          {
            name: 'plant',
            port: 0,
            devices: [
              { id: 'GD-F', unitId: 1, model: 'honeywell-midas', options: { concentration: 5 } },
              { id: 'GD-G', unitId: 3, model: 'honeywell-midas', options: { concentration: 6 } },
            ],
          },
        ],
        rtu: [
          {
            name: 'rs485',
            path: 'pty',
            baudRate: 19200,
            parity: 'even',
            dataBits: 8,
            stopBits: 1,
            devices: [
              { id: 'msa-3', unitId: 3, model: 'msa-ultima-x', options: { concentration: 3 } },
              { id: 'msa-5', unitId: 5, model: 'msa-ultima-x', options: { concentration: 4 } },
            ],
          },
        ],
      },
      { speed: 1 },
    );
    cleanups.push(() => site.stop());
    const flapping = await FlappingServer.start(site, 'GD-F');
    cleanups.push(() => flapping.close());
    const pkiDir = join(dir, 'server-pki');
    let farm = await FarmProcess.start(0, pkiDir);
    const farmPort = farm.port;
    cleanups.push(() => farm.stop('SIGKILL'));

    const file = join(dir, 'site.yaml');
    writeFileSync(file, configYaml(dir, site, flapping.port, farm.endpointUrl, await hashPassword(PASSWORDS.supervisor, { ln: 10, r: 8, p: 1 })));
    const hazmon: RunningHazmon = await startHazmonRun(file);
    cleanups.push(() => hazmon.kill());
    const pid = hazmon.run.child.pid!;
    const { client } = hazmon;
    const alive = () => expect(hazmon.exitReport()).toBeUndefined();

    // The runtime alarms as last read, for the message of a wait that timed out.
    let lastRead = new Map<string, RuntimeAlarmView>();
    const readAlarms = async () => {
      alive();
      lastRead = await runtimeAlarms(client);
      return lastRead;
    };
    const lastReadText = () => JSON.stringify([...lastRead.values()]);
    const allClear = async (when: string) =>
      waitFor(
        `every comms alarm cleared ${when}`,
        async () => {
          const alarms = await readAlarms();
          return Object.values(ALARMS).every((id) => alarms.get(id)?.conditionActive !== true);
        },
        {
          timeoutMs: 60_000,
          everyMs: 500,
          state: lastReadText,
        },
      );
    await waitFor(
      'first readings of every device',
      async () => {
        const points = await client.request<{ points: { id: string; quality: string | null }[] }>('GET', '/api/v1/points');
        return ['GD-F.concentration', 'GD-G.concentration', 'msa-3.gas1', 'msa-5.gas1', 'T-1.level'].every((id) => points.body.points.find((point) => point.id === id)?.quality === 'good');
      },
      { timeoutMs: 60_000, everyMs: 500 },
    );
    await allClear('at start');

    const samples: number[] = [];
    // The V8 heap beside each RSS sample (GET /metrics): a growth in one and not the other says where to look.
    const heapSamples: number[] = [];
    const metrics = /metrics at (\S+)\/metrics/.exec(hazmon.run.output.stdout)![1]!;
    let sampling = false;
    const sampler = setInterval(() => {
      if (!sampling || hazmon.exitReport() !== undefined) return;
      samples.push(residentKib(pid));
      void fetch(`${metrics}/metrics`)
        .then((answer) => answer.text())
        .then((text) => heapSamples.push(Number(/^hazmon_process_heap_used_bytes (\S+)$/m.exec(text)?.[1]) / 1024))
        .catch(() => undefined);
    }, SAMPLE_EVERY_MS);
    cleanups.push(() => clearInterval(sampler));

    const started = Date.now();
    // At the start every device may time out once while both processes warm up (all lines at the same moment): the soak judges what follows.
    const soakFrom = (await storedEvents(client)).at(-1)?.seq ?? 0;
    const reasons = new Map<string, Set<string>>();
    let round = 0;
    for (; round === 0 || Date.now() - started < RUN_MS; round += 1) {
      const frameFault = FRAME_FAULTS[round % FRAME_FAULTS.length]!;
      // All at once: the dead slave falls silent, the detector answers bad frames, the server goes away mid-frame, the OPC UA server stops.
      site.setCommsFault('msa-5', 'noAnswer');
      site.setCommsFault('GD-G', frameFault);
      site.setCommsFault('GD-F', 'truncated');
      await new Promise((resolve) => setTimeout(resolve, 700));
      await flapping.close();
      await farm.stop(round % 2 === 0 ? 'SIGTERM' : 'SIGKILL');

      const raised = await waitFor(
        `round ${round}: every fault raised its comms alarm`,
        async () => {
          const alarms = await readAlarms();
          const active = [ALARMS.flapping, ALARMS.framing, ALARMS.farm, ALARMS.deadSlave].map((id) => alarms.get(id));
          return active.every((alarm) => alarm?.conditionActive === true) ? active.map((alarm) => alarm!) : undefined;
        },
        { timeoutMs: 60_000, everyMs: 250, state: lastReadText },
      );
      for (const alarm of raised) {
        expect(alarm.why, alarm.id).not.toBe('');
        reasons.set(alarm.id, (reasons.get(alarm.id) ?? new Set()).add(alarm.why));
      }
      expect(raised[0]!.why).toMatch(/GD-F/);
      expect(raised[1]!.why).toMatch(/GD-G \(unit 3\)/);
      expect(raised[2]!.why).toContain(`opc.tcp://`);
      expect(raised[3]!.why).toMatch(/msa-5 \(unit 5\)/);

      // Everything comes back by itself: the same ports, the same agent process.
      site.setCommsFault('msa-5', 'none');
      site.setCommsFault('GD-G', 'none');
      site.setCommsFault('GD-F', 'none');
      await flapping.open('GD-F');
      farm = await FarmProcess.start(farmPort, pkiDir);
      await allClear(`in round ${round}`);
      // From the second round on, the paths every fault takes have run once: memory from here on should be flat.
      sampling = true;
    }
    clearInterval(sampler);
    alive();

    // The live slave on the dead one's line was never starved into a comms alarm while the faults went on.
    const events = (await storedEvents(client)).filter((row) => row.seq > soakFrom);
    expect(events.filter((row) => row.details?.['alarmId'] === ALARMS.liveSlave)).toEqual([]);
    expect(events.filter((row) => row.details?.['alarmId'] === ALARMS.deadSlave && row.kind === 'raised').length).toBeGreaterThanOrEqual(round);

    const halves = (values: readonly number[]) => [median(values.slice(0, Math.floor(values.length / 2))), median(values.slice(Math.floor(values.length / 2)))] as const;
    const [first, second] = halves(samples);
    const [heapFirst, heapSecond] = halves(heapSamples);
    const summary = `${round} rounds, ${samples.length} samples; RSS medians ${first} then ${second} KiB, V8 heap medians ${Math.round(heapFirst)} then ${Math.round(heapSecond)} KiB`;
    console.info(`faults soak: ${summary}; reasons ${JSON.stringify(Object.fromEntries([...reasons].map(([id, whys]) => [id, [...whys]])))}`);
    expect(samples.length).toBeGreaterThan(20);
    expect(second, `${summary}; RSS each minute (KiB): ${samples.filter((_, index) => index % 60 === 0).join(' ')}`).toBeLessThanOrEqual(first * (1 + RSS_MARGIN));
  },
  RUN_MS + 300_000,
);
