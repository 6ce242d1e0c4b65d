/**
 * kill -9 of `hazmon run` (a real child process) under load against real simulators: leaks trip a verified and a
 * stuck shut-off, chattering points stream alarm events and 128 points stream raw readings; after the kill the
 * DuckDB file opens, every alarm event `hazmon run` printed (it prints from the durable feed, with the row's seq) and
 * every durable audit row is there, the audit chain verifies, and the raw loss per point is within the documented
 * bound. Then the agent restarts on the same file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HazmonStore, type AlarmEventRow } from '@hazmon/agent';
import { startSite, type RunningSite } from '@hazmon/simulators';
import { countRawRows, RESETTER_YAML, runHazmon, waitFor } from './fixture.ts';

/** Background analog input modules, 8 channels each, every channel polled at POLL_MS in one request per module. */
const MODULES = 16;
const CHANNELS = 8;
const CHATTERING_MODULES = 4;
const POLL_MS = 200;
/** `hazmon run` uses the store's default flush interval. */
const FLUSH_MS = 500;
/**
 * What the store README says kill -9 may lose of raw readings: the queue since the last flush (at most one flush
 * interval, the flush timer itself at most 1 s late) plus the one request in flight on the line. Per point that is
 * this many polls; a count, so no wall clock is asserted.
 */
const RAW_LOSS_BOUND_PER_POINT = Math.ceil((1000 + FLUSH_MS) / POLL_MS) + 1;
/** Event kinds the store keeps that `hazmon run` does not print (vote bookkeeping, chattering notices). */
const UNPRINTED_KINDS = new Set(['vote_ignored', 'chattering']);
const TIMING = '{ timeoutMs: 1000, retries: 0, backoffBaseMs: 300, backoffMaxMs: 600 }';

const moduleIds = Array.from({ length: MODULES }, (_, i) => `AI-${i + 1}`);
const channelIds = (moduleId: string) => Array.from({ length: CHANNELS }, (_, c) => `${moduleId}.channel${c + 1}`);

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two leak detectors with a valve each (XV-2 sticks open) on one port; the analog input modules on another. */
function startKillSite(): Promise<RunningSite> {
  const chatter = { name: 'chatter', durationS: 3600, effects: [{ kind: 'chatter', quantity: 'channel1.concentration', setpoint: 50, amplitude: 20, periodS: 4 }] };
  return startSite({
    name: 'kill-under-load',
    speed: 4,
    tcp: [
      {
        name: 'plant',
        devices: [
          { id: 'GD-1', unitId: 1, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 0 } },
          { id: 'GD-2', unitId: 2, model: 'honeywell-midas', options: { rangeMax: 100, concentration: 0 } },
          { id: 'XV-1', unitId: 3, model: 'shutoff-valve', options: { open: true, travelTimeMs: 2000 } },
          { id: 'XV-2', unitId: 4, model: 'shutoff-valve', options: { open: true, travelTimeMs: 2000 } },
        ],
      },
      {
        name: 'bank',
        devices: moduleIds.map((id, i) => ({ id, unitId: 10 + i, model: 'analog-input-4-20ma', ...(i < CHATTERING_MODULES ? { scenario: chatter } : {}) })),
      },
    ],
  });
}

function configYaml(site: RunningSite, storePath: string): string {
  const port = (deviceId: string) => site.endpoints.find((endpoint) => endpoint.deviceId === deviceId)!.port!;
  const everyChannel = Object.fromEntries(Array.from({ length: CHANNELS }, (_, c) => [`channel${c + 1}`, { intervalMs: POLL_MS }]));
  const leakRules = '{ limits: { hi: 20, hihi: 40 }, deadband: 1 }';
  return `
site: { id: kill-plant, name: Kill test plant, areas: [{ id: house }] }
lines:
  - { id: plant, kind: tcp, host: 127.0.0.1, port: ${port('GD-1')}, timing: ${TIMING} }
  - { id: bank, kind: tcp, host: 127.0.0.1, port: ${port('AI-1')}, timing: ${TIMING} }
devices:
  - { id: GD-1, profile: honeywell-midas, line: plant, unitId: 1 }
  - { id: GD-2, profile: honeywell-midas, line: plant, unitId: 2 }
  - { id: XV-1, profile: shutoff-valve, line: plant, unitId: 3 }
  - { id: XV-2, profile: shutoff-valve, line: plant, unitId: 4 }
${moduleIds.map((id, i) => `  - { id: ${id}, profile: analog-input-4-20ma, line: bank, unitId: ${10 + i}, points: ${JSON.stringify(everyChannel)} }`).join('\n')}
points:
  - { id: GD-1.concentration, area: house, rules: ${leakRules} }
  - { id: GD-2.concentration, area: house, rules: ${leakRules} }
${moduleIds
  .slice(0, CHATTERING_MODULES)
  .map((id) => `  - { id: ${id}.channel1, area: house, rules: { limits: { hi: 60 }, deadband: 1 } }`)
  .join('\n')}
actions:
  - { id: close-1, kind: shutoff_valve, output: XV-1, when: [GD-1.concentration/hihi] }
  - { id: close-2, kind: shutoff_valve, output: XV-2, when: [GD-2.concentration/hihi] }
outputs:
  - { id: XV-1, kind: shutoff_valve, command: XV-1.command, feedback: { closed: XV-1.closed, open: XV-1.open }, travelTimeS: 2, retries: 3 }
  - { id: XV-2, kind: shutoff_valve, command: XV-2.command, feedback: { closed: XV-2.closed, open: XV-2.open }, travelTimeS: 2, retries: 3 }
store: { path: ${JSON.stringify(storePath)} }
metrics: { port: 0 }
api: { port: 0 }
${RESETTER_YAML}
`;
}

/** What the store has committed, from the agent's own counters (a commit counts only once it returned). */
interface Durable {
  readonly alarms: number;
  readonly audits: number;
  readonly raw: number;
}

/** Scrapes `/metrics` of the running agent for its store's committed counts. */
async function scrapeDurable(metricsUrl: string): Promise<Durable> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const counter = (name: string) => Number(new RegExp(`^hazmon_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { alarms: counter('store_alarm_events_written_total'), audits: counter('store_audit_rows_written_total'), raw: counter('store_raw_rows_written_total') };
}

/** An alarm event line `hazmon run` printed: its identity (as storedSignature gives for its row) and its mark. */
interface PrintedEvent {
  readonly signature: string;
  /** The `[seq N]` the line ends with; null when it has none (then `mark` says what it has instead). */
  readonly seq: number | null;
  readonly mark: string;
}

/**
 * Each alarm event `hazmon run` printed, in print order: `time|id|state` and the row's seq from the line's end
 * (see eventLine in agent/src/cli/run-agent.ts).
 */
function printedEvents(stdout: string): PrintedEvent[] {
  const out: PrintedEvent[] = [];
  for (const line of stdout.split('\n')) {
    const at = (iso: string | undefined) => Date.parse(iso!);
    let m: RegExpMatchArray | null;
    let signature: string;
    if ((m = /^(\S+) alarm flood (\S+) at /.exec(line))) signature = `${at(m[1])}|alarm_flood|${m[2]}`;
    else if ((m = /^(\S+) alarm (\S+) \S+ \S+(?: \(\d+ times\))? -> ([a-z_]+)/.exec(line))) signature = `${at(m[1])}|${m[2]}|${m[3]}`;
    else if ((m = /^(\S+) action (\S+) (\S+) /.exec(line))) signature = `${at(m[1])}|${m[2]}|${m[3]}`;
    else if ((m = /^(\S+) refused \S+ (\S+) by /.exec(line))) signature = `${at(m[1])}|${m[2]}|command_refused`;
    else continue;
    const mark = / (\[[^\]]*\])$/.exec(line)?.[1] ?? '(no mark)';
    const seq = /^\[seq (\d+)\]$/.exec(mark)?.[1];
    out.push({ signature, seq: seq === undefined ? null : Number(seq), mark });
  }
  return out;
}

function storedSignature(row: AlarmEventRow): string {
  if (row.kind === 'action_commanded' || row.kind === 'action_released') return `${row.time}|${row.ruleId}|${row.stateAfter}`;
  if (row.kind === 'command_refused') return `${row.time}|${row.ruleId}|command_refused`;
  if (row.kind.startsWith('flood_')) return `${row.time}|alarm_flood|${row.stateAfter}`;
  return `${row.time}|${String(row.details?.['alarmId'])}|${row.stateAfter}`;
}

describe('kill -9 of hazmon run under load', () => {
  it('the file opens with every printed alarm event (by its seq), every durable audit row, a valid audit chain and raw loss within the bound; the agent restarts on it', async () => {
    const site = await startKillSite();
    cleanups.push(() => site.stop());
    site.device('XV-2').set('stuckOpen', 1);
    const dir = mkdtempSync(join(tmpdir(), 'hazmon-kill-agent-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const storePath = join(dir, 'site.duckdb');
    const configPath = join(dir, 'site.yaml');
    writeFileSync(configPath, configYaml(site, storePath));

    const run = runHazmon(['run', configPath]);
    cleanups.push(() => void (run.child.exitCode === null && run.child.signalCode === null && run.child.kill('SIGKILL')));
    const out = run.output;
    const failed = () => (run.child.exitCode !== null ? `exited ${run.child.exitCode}: ${out.stderr}` : '');
    const metricsUrl = await waitFor('hazmon run started with its metrics endpoint', () => failed() || /metrics at (\S+)\/metrics/.exec(out.stdout)?.[1], { timeoutMs: 60_000 });
    expect(failed()).toBe('');
    site.device('GD-1').set('concentration', 60);
    site.device('GD-2').set('concentration', 60);

    // Kill it mid-stream, once a good amount is durable: readings, chattering alarms, both trips and their audits.
    let acked = await scrapeDurable(metricsUrl);
    const deadline = Date.now() + 120_000;
    while (
      !(out.stdout.includes('alarm XV-1/shutoff_confirmed') && out.stdout.includes('alarm XV-2/shutoff_discrepancy') && acked.raw >= 40 * MODULES * CHANNELS && acked.alarms >= 60 && acked.audits >= 6)
    ) {
      if (failed() || Date.now() > deadline) throw new Error(`no load before the kill (committed: ${JSON.stringify(acked)}) ${failed()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      acked = await scrapeDurable(metricsUrl);
    }
    // A few more alarm lines, so the kill does not follow a scrape by a fixed delay; what was acknowledged is the last scrape.
    const printedBefore = printedEvents(out.stdout).length;
    await waitFor('more alarm events printed', () => failed() || printedEvents(out.stdout).length >= printedBefore + 3, { timeoutMs: 60_000 });
    acked = await scrapeDurable(metricsUrl);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(run.child.signalCode).toBe('SIGKILL');
    // The agent is gone: what each module answered is final now.
    const requests = new Map(moduleIds.map((id, i) => [id, site.unitHost(id).statistics.count({ unitId: 10 + i })]));

    const printed = printedEvents(out.stdout);
    expect(out.stdout).not.toContain('stopped');

    // Every raw reading the store acknowledged as committed is in the file (all points, leak detectors and valves too).
    expect(await countRawRows(storePath)).toBeGreaterThanOrEqual(acked.raw);

    const store = await HazmonStore.open({ path: storePath, retentionIntervalMs: 0 });
    let closed = false;
    cleanups.push(() => (closed ? undefined : store.close()));
    const events = await store.alarmEventsAfter(0, 10_000);
    const audits = await store.auditRows({ limit: 10_000 });
    expect(await store.verifyAuditChain()).toMatchObject({ ok: true });

    // Alarm events: numbered without a gap and every one the store's counters acknowledged is there. `hazmon run`
    // prints from the durable feed, so each printed line is acknowledged: its seq is in the file, on the same event.
    // The printed ones are the stored ones from the first on, in order (only a tail committed but not yet printed at
    // the kill may be unprinted).
    expect(events.map((row) => row.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.length).toBeGreaterThanOrEqual(acked.alarms);
    expect(printed.filter((event) => event.seq === null).map((event) => `${event.signature} ${event.mark}`)).toEqual([]);
    const bySeq = new Map(events.map((row) => [row.seq, storedSignature(row)]));
    const missing = printed.filter((event) => bySeq.get(event.seq!) !== event.signature).map((event) => `seq ${event.seq} ${event.signature}: stored ${bySeq.get(event.seq!) ?? 'nothing'}`);
    expect(missing, 'printed alarm events not in alarm_events after the kill').toEqual([]);
    const stored = events.filter((row) => !UNPRINTED_KINDS.has(row.kind));
    expect(printed.map((event) => event.seq)).toEqual(stored.slice(0, printed.length).map((row) => row.seq));
    expect(printed.length).toBeGreaterThanOrEqual(printedBefore + 3);
    expect(
      events
        .filter((row) => row.kind === 'action_commanded')
        .map((row) => row.ruleId)
        .sort(),
    ).toEqual(['close-1', 'close-2']);
    expect(events.some((row) => row.ruleId === 'shutoff_discrepancy' && row.pointId === 'XV-2' && row.kind === 'raised')).toBe(true);

    // Audit rows: gap-free, every acknowledged one there, both valves commanded.
    expect(audits.map((row) => row.seq)).toEqual(audits.map((_, i) => i + 1));
    expect(audits.length).toBeGreaterThanOrEqual(acked.audits);
    expect(new Set(audits.filter((row) => row.action === 'shutoff_command').map((row) => row.target))).toEqual(new Set(['XV-1', 'XV-2']));

    // Raw readings: every reading acknowledged durable is there; per point, no more good readings than the module
    // answered requests, and at most the bound fewer readings of any kind.
    let storedRaw = 0;
    const shortfalls: string[] = [];
    for (const moduleId of moduleIds) {
      const answered = requests.get(moduleId)!;
      for (const pointId of channelIds(moduleId)) {
        const rows = await store.rawReadings(pointId, 0, Number.MAX_SAFE_INTEGER, 100_000);
        storedRaw += rows.length;
        expect(rows.filter((row) => row.quality === 'good').length, `${pointId} good readings vs ${answered} requests`).toBeLessThanOrEqual(answered);
        if (answered - rows.length > RAW_LOSS_BOUND_PER_POINT) shortfalls.push(`${pointId}: ${rows.length} stored of ${answered} answered`);
      }
    }
    expect(shortfalls, `more than ${RAW_LOSS_BOUND_PER_POINT} readings lost per point`).toEqual([]);
    expect(storedRaw).toBeGreaterThan(0);
    await store.close();
    closed = true;

    // The agent starts again on the killed file: both latches restored (audited), alarms flowing again, clean stop.
    const again = runHazmon(['run', configPath]);
    cleanups.push(() => void (again.child.exitCode === null && again.child.signalCode === null && again.child.kill('SIGKILL')));
    const chatterId = `${moduleIds[0]}.channel1/hi`;
    await waitFor('restarted agent logging chatter alarms', () => again.child.exitCode !== null || again.output.stdout.includes(`alarm ${chatterId} `), { timeoutMs: 60_000 });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(again.output.stdout).toContain('hazmon run: stopped');

    const verify = runHazmon(['audit', 'verify', configPath]);
    expect(await verify.exited, verify.output.stdout + verify.output.stderr).toBe(0);

    const reopened = await HazmonStore.open({ path: storePath, retentionIntervalMs: 0 });
    cleanups.push(() => reopened.close());
    expect(await reopened.verifyAuditChain()).toMatchObject({ ok: true });
    const restored = (await reopened.auditRows({ afterSeq: audits.length })).filter((row) => row.action === 'latch_restored').map((row) => row.target);
    expect(restored.sort()).toEqual(['close-1', 'close-2']);
    expect((await reopened.alarmEventsAfter(events.length, 10_000)).length).toBeGreaterThan(0);
  }, 240_000);
});
