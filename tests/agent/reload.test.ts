/** Config reload of a running agent against simulated devices over real sockets and a real DuckDB file; SIGHUP to `hazmon run`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '@hazmon/protocols';
import { Agent, HazmonStore, RuntimeError, hashPassword, parseAgentConfig, type AgentConfig, type AgentEvent } from '@hazmon/agent';
import { startSite, type RunningSite } from '@hazmon/simulators';
import { bufferedIo } from '../../agent/test/fixtures/cli/store-site.ts';
import { reloadFromFile } from '../../agent/src/cli/run-agent.ts';
import { PASSWORDS, rawRows, runHazmon, runtimeAlarms, waitFor, waitForRows } from './fixture.ts';

/** What differs between the configs of one test: each field is the YAML of that part. */
interface SiteVariant {
  readonly gd1Rules?: string;
  readonly gd2Rules?: string;
  /** GD-2 on its own line `far`; false = that line and device are not configured. */
  readonly gd2?: boolean;
  /** GD-3 on its own line `third`. */
  readonly gd3?: boolean;
  readonly closeWhen?: string;
  readonly closeAction?: boolean;
  readonly storePath?: string;
  readonly travelTimeS?: number;
}

const LIMITS = '{ limits: { hi: 20, hihi: 40 }, deadband: 1 }';
let hashes: { supervisor: string; viewer: string };

beforeAll(async () => {
  // The lowest scrypt cost the config accepts: the tests check roles, not hash strength.
  const cost = { ln: 10, r: 8, p: 1 };
  hashes = { supervisor: await hashPassword(PASSWORDS.supervisor, cost), viewer: await hashPassword(PASSWORDS.viewer, cost) };
});

interface ReloadPlant {
  readonly site: RunningSite;
  readonly dir: string;
  readonly file: string;
  readonly events: AgentEvent[];
  /** Readings seen per point, and the last one. */
  readonly seen: Map<string, { count: number; last: Reading }>;
  /** Added to the agent's gateway clock: moves on-delays along without waiting. */
  readonly clock: { offset: number };
  agent: Agent | null;
  yaml(variant?: SiteVariant): string;
  config(variant?: SiteVariant): AgentConfig;
  start(variant?: SiteVariant): Promise<Agent>;
  /** Waits until `pointId` has been read `polls` more times (and returns the last reading). */
  polled(pointId: string, polls?: number): Promise<Reading>;
  close(): Promise<void>;
}

/** `valveStrokeMs`: simulated time the valve takes to close. */
async function startReloadPlant(speed = 4, valveStrokeMs = 2000): Promise<ReloadPlant> {
  const site = await startSite({
    name: 'reload-test',
    speed,
    tcp: [
      {
        name: 'plant',
        devices: [
          { id: 'GD-1', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 0 } },
          { id: 'XV-1', unitId: 2, model: 'shutoff-valve', options: { open: true, travelTimeMs: valveStrokeMs } },
        ],
      },
      { name: 'far', devices: [{ id: 'GD-2', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 0 } }] },
      { name: 'third', devices: [{ id: 'GD-3', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 0 } }] },
    ],
  });
  const port = (deviceId: string) => site.endpoints.find((endpoint) => endpoint.deviceId === deviceId)!.port!;
  const dir = mkdtempSync(join(tmpdir(), 'hazmon-reload-'));
  const file = join(dir, 'site.yaml');
  const timing = '{ timeoutMs: 500, retries: 0, backoffBaseMs: 300, backoffMaxMs: 600 }';
  const events: AgentEvent[] = [];
  const seen = new Map<string, { count: number; last: Reading }>();
  const plant: ReloadPlant = {
    site,
    dir,
    file,
    events,
    seen,
    clock: { offset: 0 },
    agent: null,
    yaml(variant = {}) {
      const gd2 = variant.gd2 ?? true;
      const gd3 = variant.gd3 ?? false;
      const closeAction = variant.closeAction ?? true;
      return `
site:
  id: test-plant
  name: Test plant
  areas: [{ id: house, name: Compressor house }]
lines:
  - { id: plant, kind: tcp, host: 127.0.0.1, port: ${port('GD-1')}, timing: ${timing} }
${gd2 ? `  - { id: far, kind: tcp, host: 127.0.0.1, port: ${port('GD-2')}, timing: ${timing} }` : ''}
${gd3 ? `  - { id: third, kind: tcp, host: 127.0.0.1, port: ${port('GD-3')}, timing: ${timing} }` : ''}
devices:
  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1 }
  - { id: XV-1, profile: shutoff-valve, line: plant, unitId: 2 }
${gd2 ? '  - { id: GD-2, profile: honeywell-midas, line: far, unitId: 1 }' : ''}
${gd3 ? '  - { id: GD-3, profile: honeywell-midas, line: third, unitId: 1 }' : ''}
opcua: []
points:
  - { id: GD-1.concentration, area: house, rules: ${variant.gd1Rules ?? LIMITS} }
${gd2 ? `  - { id: GD-2.concentration, area: house, rules: ${variant.gd2Rules ?? LIMITS} }` : ''}
${gd3 ? `  - { id: GD-3.concentration, area: house, rules: ${LIMITS} }` : ''}
actions:
${closeAction ? `  - { id: close-gas, kind: shutoff_valve, output: XV-1, when: ${variant.closeWhen ?? '[GD-1.concentration/hihi]'} }` : '  []'}
outputs:
  - { id: XV-1, kind: shutoff_valve, command: XV-1.command, feedback: { closed: XV-1.closed, open: XV-1.open }, travelTimeS: ${variant.travelTimeS ?? 3}, retries: 2 }
users:
  - { name: sup, role: supervisor, passwordHash: "${hashes.supervisor}" }
  - { name: view, role: viewer, passwordHash: "${hashes.viewer}" }
store:
  path: ${JSON.stringify(variant.storePath ?? join(dir, 'site.duckdb'))}
api: { port: 0 }
`;
    },
    config(variant = {}) {
      return parseAgentConfig(plant.yaml(variant), file);
    },
    async start(variant = {}) {
      const agent = await Agent.start(plant.config(variant), { store: { flushIntervalMs: 200 }, now: () => Date.now() + plant.clock.offset });
      plant.agent = agent;
      agent.subscribe((event) => events.push(event));
      agent.subscribeReadings((batch) => {
        for (const reading of batch) {
          const entry = seen.get(reading.pointId);
          if (entry) {
            entry.count += 1;
            entry.last = reading;
          } else seen.set(reading.pointId, { count: 1, last: reading });
        }
      });
      return agent;
    },
    async polled(pointId, polls = 1) {
      const target = (seen.get(pointId)?.count ?? 0) + polls;
      return waitFor(`${polls} more reading(s) of ${pointId}`, () => ((seen.get(pointId)?.count ?? 0) >= target ? seen.get(pointId)!.last : undefined));
    },
    async close() {
      await plant.agent?.stop();
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return plant;
}

/** Engine alarm events of one alarm. */
function alarmEvents(events: readonly AgentEvent[], alarmId: string) {
  return events.filter((event): event is Extract<AgentEvent, { type: 'alarm' }> => event.type === 'alarm' && event.alarmId === alarmId);
}

/** Polls until the point has been read with `value` (the simulator's value has reached the agent). */
async function readAs(plant: ReloadPlant, pointId: string, value: number): Promise<Reading> {
  for (;;) {
    const reading = await plant.polled(pointId);
    if (reading.quality === 'good' && reading.value === value) return reading;
  }
}

let plant: ReloadPlant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

describe('Agent.reload', () => {
  it("carries over the on-delay and alarm state of an unchanged point; a changed point's state starts afresh; audited", async () => {
    plant = await startReloadPlant();
    // A change of limit values alone keeps a point's state (the engine's limitsMoved): GD-2's deadband changes.
    const delayed = (deadband: number) => `{ limits: { hi: 20, hihi: 90 }, deadband: ${deadband}, onDelayS: 60 }`;
    const agent = await plant.start({ gd1Rules: delayed(1), gd2Rules: delayed(1) });
    plant.site.device('GD-1').set('concentration', 30);
    plant.site.device('GD-2').set('concentration', 30);
    await readAs(plant, 'GD-1.concentration', 30);
    await readAs(plant, 'GD-2.concentration', 30);
    // 50 s of the 60 s on-delay pass before the reload: both conditions are pending, neither alarm is raised.
    plant.clock.offset += 50_000;
    await plant.polled('GD-1.concentration', 2);
    await plant.polled('GD-2.concentration', 2);
    expect(alarmEvents(plant.events, 'GD-1.concentration/hi')).toHaveLength(0);

    const hashBefore = agent.config.hash;
    const report = await agent.reload(plant.config({ gd1Rules: delayed(1), gd2Rules: delayed(2) }), 'test');
    expect(report.points.kept).toContain('GD-1.concentration');
    expect(report.points.restarted).toEqual(['GD-2.concentration']);
    expect(report.skipped).toEqual([{ id: 'GD-2.concentration', reason: 'rules changed', activeAlarms: [] }]);
    expect(report.lines).toMatchObject({ kept: ['plant', 'far'], restarted: [], added: [], removed: [] });
    expect(report.hashBefore).toBe(hashBefore);
    expect(report.hashAfter).not.toBe(hashBefore);

    // 15 s more: GD-1 has been above its limit 65 s (kept pending state), GD-2 only since the reload.
    await plant.polled('GD-2.concentration');
    plant.clock.offset += 15_000;
    const raised = await waitFor('GD-1 hi raised', () => alarmEvents(plant!.events, 'GD-1.concentration/hi')[0]);
    expect(raised).toMatchObject({ fromState: 'normal', toState: 'unacknowledged_active' });
    await plant.polled('GD-2.concentration', 2);
    expect(alarmEvents(plant.events, 'GD-2.concentration/hi')).toHaveLength(0);
    // Steps shorter than the 60 s stale time (a stale point is not judged on its limits): GD-2 has been above its
    // limit for 40 s of the agent's clock plus the real time since its first reading after the reload.
    plant.clock.offset += 25_000;
    await plant.polled('GD-2.concentration', 2);
    expect(alarmEvents(plant.events, 'GD-2.concentration/hi')).toHaveLength(0);
    plant.clock.offset += 35_000;
    await waitFor('GD-2 hi raised after its own on-delay', () => alarmEvents(plant!.events, 'GD-2.concentration/hi')[0]);

    // The active, unacknowledged GD-1 alarm goes on through a second reload and returns to normal from where it was.
    const second = await agent.reload(plant.config({ gd1Rules: delayed(1), gd2Rules: delayed(1) }), 'test');
    expect(second.skipped).toEqual([{ id: 'GD-2.concentration', reason: 'rules changed', activeAlarms: ['GD-2.concentration/hi'] }]);
    // The stored history closes the dropped GD-2 alarm rather than leaving it active for ever.
    const discarded = await waitForRows(
      () => agent.reader.alarmEventsAfter(0),
      (rows) => rows.some((row) => row.kind === 'state_discarded'),
    );
    expect(discarded.filter((row) => row.kind === 'state_discarded')).toMatchObject([
      {
        pointId: 'GD-2.concentration',
        ruleId: 'hi',
        stateAfter: 'normal',
        who: 'hazmon',
        why: expect.stringContaining('rules changed'),
        details: { alarmId: 'GD-2.concentration/hi', stateBefore: 'unacknowledged_active' },
      },
    ]);
    plant.site.device('GD-1').set('concentration', 0);
    const cleared = await waitFor('GD-1 hi returned', () => alarmEvents(plant!.events, 'GD-1.concentration/hi').find((event) => !event.conditionActive));
    expect(cleared).toMatchObject({ fromState: 'unacknowledged_active', toState: 'unacknowledged_returned' });
    expect(alarmEvents(plant.events, 'GD-1.concentration/hi').filter((event) => event.fromState === 'normal')).toHaveLength(1);

    const audits = (await agent.reader.auditRows({})).filter((row) => row.action === 'config_reload');
    expect(audits).toHaveLength(2);
    expect(audits[0]).toMatchObject({
      who: 'hazmon',
      target: plant.file,
      details: { trigger: 'test', hashBefore, hashAfter: report.hashAfter, points: { restarted: ['GD-2.concentration'] }, skipped: [{ id: 'GD-2.concentration', reason: 'rules changed' }] },
    });
    const published = plant.events.filter((event) => event.type === 'config_reload');
    expect(published.map((event) => event.type === 'config_reload' && event.applied)).toEqual([true, true]);
  });

  it('keeps a latched shut-off latched (rules of its action changed too) and its valve controller watching; reset still needs a supervisor', async () => {
    plant = await startReloadPlant(1, 6000);
    const agent = await plant.start({ travelTimeS: 12 });
    plant.site.device('GD-1').set('concentration', 60);
    await waitFor('close commanded', () => plant!.events.find((event) => event.type === 'action' && event.command === 'close'));
    // The valve takes 6 s to stroke: the reload comes while the controller waits for the limit switches.
    const report = await agent.reload(plant.config({ closeWhen: '[GD-1.concentration/hihi, GD-2.concentration/hihi]', travelTimeS: 12 }), 'test');
    expect(agent.stats().shutoff[0]!.state).toBe('verifying');
    expect(report.latched).toEqual(['close-gas']);
    expect(report.skipped).toContainEqual({ id: 'action/close-gas', reason: 'rules changed; latch kept', activeAlarms: [] });
    expect(report.outputs.kept).toEqual(['XV-1']);
    expect(report.recommanded).toEqual([]);
    expect(agent.actionLatched('close-gas')).toBe(true);
    await waitFor('confirmed after the reload', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    expect(agent.stats().shutoff[0]).toMatchObject({ outputId: 'XV-1', state: 'confirmed', trips: 1, writes: 1, confirmations: 1 });

    // Removing the latched action is refused by name; the agent stays as it was.
    await expect(agent.reload(plant.config({ closeAction: false }), 'test')).rejects.toThrow(
      expect.objectContaining({ code: 'HAZMON_RUNTIME_RELOAD_REFUSED', message: expect.stringMatching(/actions close-gas: latched/) }),
    );
    expect(agent.config.engine.actions.map((action) => action.id)).toEqual(['close-gas']);

    expect((await agent.resetAction('close-gas', { user: 'view', password: PASSWORDS.viewer })).ok).toBe(false);
    plant.site.device('GD-1').set('concentration', 0);
    await waitFor('hihi cleared', () => alarmEvents(plant!.events, 'GD-1.concentration/hihi').find((event) => !event.conditionActive));
    expect(await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor })).toEqual({ ok: true });
    expect(agent.actionLatched('close-gas')).toBe(false);
    expect(plant.site.device('XV-1').get('openSwitch')).toBe(0);
    const commands = (await agent.reader.auditRows({})).filter((row) => row.action === 'shutoff_command');
    expect(commands).toHaveLength(1);
  });

  it('commands a latched action again when its output changed, and makes a reset wait for trigger points whose state restarted', async () => {
    plant = await startReloadPlant();
    const agent = await plant.start();
    plant.site.device('GD-1').set('concentration', 60);
    await waitFor('confirmed', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[0]);
    plant.site.device('GD-1').set('concentration', 0);
    await readAs(plant, 'GD-1.concentration', 0);
    const report = await agent.reload(plant.config({ gd1Rules: '{ limits: { hi: 20, hihi: 45 }, deadband: 1, onDelayS: 30 }', travelTimeS: 4 }), 'test');
    expect(report.points.restarted).toEqual(['GD-1.concentration']);
    expect(report.latched).toEqual(['close-gas']);
    expect(report.outputs.restarted).toEqual(['XV-1']);
    expect(report.recommanded).toEqual(['XV-1']);
    // The new controller writes the close again and confirms it through the limit switches (the valve is closed).
    await waitFor('confirmed again', () => runtimeAlarms(plant!.events, 'XV-1/shutoff_confirmed')[1]);
    // The command's audit row commits on the store's own turn, which a loaded machine can put after the confirmation.
    const commands = await waitFor('both commands audited', async () => {
      const rows = (await agent.reader.auditRows({})).filter((row) => row.action === 'shutoff_command');
      return rows.length >= 2 ? rows : undefined;
    });
    expect(commands.map((row) => row.details?.['why'])).toEqual([['GD-1.concentration/hihi'], ['GD-1.concentration/hihi']]);
    const refused = await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor });
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/config reload.*GD-1\.concentration \(30 s of good readings needed\)/) });
    await plant.polled('GD-1.concentration');
    plant.clock.offset += 31_000;
    await plant.polled('GD-1.concentration', 2);
    expect(await agent.resetAction('close-gas', { user: 'sup', password: PASSWORDS.supervisor })).toEqual({ ok: true });
  });

  it('polls and stores an added device, stops polling a removed one, and keeps an unchanged line running', async () => {
    plant = await startReloadPlant();
    const agent = await plant.start();
    plant.site.device('GD-2').set('concentration', 12);
    await readAs(plant, 'GD-2.concentration', 12);
    const report = await agent.reload(plant.config({ gd2: false, gd3: true }), 'test');
    expect(report.lines).toEqual({ kept: ['plant'], restarted: [], added: ['third'], removed: ['far'] });
    expect(report.devices).toEqual({ kept: ['GD-1', 'XV-1'], restarted: [], added: ['GD-3'], removed: ['GD-2'] });
    expect(report.points.added).toContain('GD-3.concentration');
    expect(report.points.removed).toContain('GD-2.concentration');
    expect(report.skipped).toContainEqual({ id: 'GD-2.concentration', reason: 'no longer configured', activeAlarms: [] });

    const far = plant.site.unitHost('GD-2').statistics;
    const requestsAfterReload = far.count();
    plant.site.device('GD-3').set('concentration', 7);
    const first = await readAs(plant, 'GD-3.concentration', 7);
    await plant.polled('GD-3.concentration', 3);
    await plant.polled('GD-1.concentration', 2);
    expect(far.count()).toBe(requestsAfterReload);
    const stored = await waitForRows(
      () => rawRows(agent.reader, 'GD-3.concentration', 0, Number.MAX_SAFE_INTEGER),
      (rows) => rows.some((row) => row.value === 7),
    );
    expect(stored.some((row) => row.value === 7 && row.time >= first.receiveTime)).toBe(true);
    // The bad readings of requests cut off by stopping `far` are stored, counted and not judged as a comms loss.
    expect(runtimeAlarms(plant.events, 'GD-2/comms_loss').filter((event) => event.active)).toEqual([]);
    expect(agent.stats().devicesInCommsLoss).toEqual([]);
  });

  it('refuses a change of the store path, keeps an invalid file out, and runs on: polling, old config, audited', async () => {
    plant = await startReloadPlant();
    const agent = await plant.start();
    const before = agent.config;
    const moved = plant.config({ storePath: join(plant.dir, 'elsewhere.duckdb'), gd2Rules: '{ limits: { hi: 25, hihi: 40 } }' });
    const refusal = await agent.reload(moved, 'test').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RuntimeError);
    expect(refusal).toMatchObject({ code: 'HAZMON_RUNTIME_RELOAD_REFUSED', message: expect.stringContaining('store.path cannot change while the agent runs') });
    expect(agent.config).toBe(before);

    writeFileSync(plant.file, `${plant.yaml()}\nbogus: [\n`);
    const io = bufferedIo();
    expect(await reloadFromFile(agent, plant.file, io, 'SIGHUP')).toBe(false);
    expect(io.err()).toMatch(new RegExp(`${plant.file.replace(/[.]/g, '\\.')}:\\d+:\\d+`));
    expect(io.err()).toContain('not reloaded, still running on the previous config');
    expect(agent.config).toBe(before);
    await plant.polled('GD-1.concentration', 2);

    const refused = (await agent.reader.auditRows({})).filter((row) => row.action === 'config_reload_refused');
    expect(refused.map((row) => row.details?.['trigger'])).toEqual(['test', 'SIGHUP']);
    expect(String(refused[1]!.details?.['problems'])).toMatch(/site\.yaml:\d+:\d+/);

    writeFileSync(plant.file, plant.yaml({ gd2Rules: '{ limits: { hi: 25, hihi: 40 } }' }));
    expect(await reloadFromFile(agent, plant.file, io, 'SIGHUP')).toBe(true);
    expect(agent.config.engine.points.find((point) => point.id === 'GD-2.concentration')?.limits).toMatchObject({ hi: 25 });
  });
});

describe('hazmon run and SIGHUP', () => {
  let site: RunningSite | null = null;
  let dir: string | null = null;
  afterAll(async () => {
    await site?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reloads the file on SIGHUP, stays up on an invalid one, and stops on SIGTERM; the limits the reload and a start on the edited file move are audited', async () => {
    const running = await startReloadPlant();
    site = running.site;
    dir = running.dir;
    writeFileSync(running.file, running.yaml());
    const hazmon = runHazmon(['run', running.file]);
    try {
      await waitFor('started', () => hazmon.output.stdout.includes('started'), { timeoutMs: 60_000 }).catch((error: Error) => {
        throw new Error(`${error.message}; stderr: ${hazmon.output.stderr}`);
      });
      writeFileSync(running.file, running.yaml({ gd2Rules: '{ limits: { hi: 25, hihi: 40 } }' }));
      hazmon.child.kill('SIGHUP');
      const applied = await waitFor('reload applied', () => /config reload applied .*site\.yaml \(SIGHUP\): points \d+ kept, 1 restarted.*/.exec(hazmon.output.stdout), { timeoutMs: 30_000 });
      expect(applied[0]).toContain('GD-2.concentration (rules changed)');
      expect(applied[0]).toContain('limits moved: GD-2.concentration hi 20 -> 25');

      writeFileSync(running.file, 'site: [\n');
      hazmon.child.kill('SIGHUP');
      await waitFor('reload refused', () => hazmon.output.stdout.includes('config reload refused'), { timeoutMs: 30_000 });
      expect(hazmon.output.stderr).toMatch(/site\.yaml:\d+:\d+/);
      expect(hazmon.output.stderr).toContain('not reloaded, still running on the previous config');
      expect(hazmon.child.exitCode).toBeNull();

      hazmon.child.kill('SIGTERM');
      expect(await hazmon.exited).toBe(0);
      const stdoutLines = hazmon.output.stdout.split('\n').filter((line) => line !== '' && !/NODE-OPCUA-W27|security-revert/.test(line));
      expect(stdoutLines.at(-1)).toBe('hazmon run: stopped');
    } finally {
      if (hazmon.child.exitCode === null) hazmon.child.kill('SIGKILL');
    }

    // Started again on the file edited while it was down (GD-2's hi 25 -> 22): logged at start and audited, like the reload.
    writeFileSync(running.file, running.yaml({ gd2Rules: '{ limits: { hi: 22, hihi: 40 } }' }));
    const restarted = runHazmon(['run', running.file]);
    try {
      await waitFor('started again', () => restarted.output.stdout.includes('started'), { timeoutMs: 60_000 });
      expect(restarted.output.stderr).toContain('1 limit(s) differ from those the last run left in force: GD-2.concentration hi 25 -> 22');
      restarted.child.kill('SIGTERM');
      expect(await restarted.exited).toBe(0);
    } finally {
      if (restarted.child.exitCode === null) restarted.child.kill('SIGKILL');
    }
    const store = await HazmonStore.open({ path: join(running.dir, 'site.duckdb'), retentionIntervalMs: 0 });
    try {
      const rows = (await store.auditRows({})).filter((row) => row.action === 'config_reload' || row.action === 'limits_changed_at_start');
      expect(rows.map((row) => [row.action, row.details?.['trigger'], row.details?.['limitChanges']])).toEqual([
        ['config_reload', 'SIGHUP', [{ pointId: 'GD-2.concentration', limit: 'hi', old: 20, new: 25, cause: 'config_file' }]],
        ['limits_changed_at_start', 'start', [{ pointId: 'GD-2.concentration', limit: 'hi', old: 25, new: 22, cause: 'config_file' }]],
      ]);
    } finally {
      await store.close();
    }
  }, 180_000);
});
