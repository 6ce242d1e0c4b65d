/**
 * The store's disk full for real: `hazmon run` keeps its DuckDB file on a 4 MB tmpfs (small-filesystem.ts) and fills
 * it. Meanwhile the alarms and the shut-off go on (a leak closes the valve, its feedback confirms it), the condition is
 * a store alarm in GET /api/v1/alarms, and an acknowledgement is refused, not answered OK and lost. The filesystem
 * then grows (remount, size=64m), as when space is freed: writing resumes by itself, the alarm clears, and after a
 * restart every acknowledgement answered OK is on disk and `hazmon audit verify` passes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type Plant, runHazmon, startPlant, waitFor } from '../agent/fixture.ts';
import { ALARMS, webConfigYaml } from '../dashboard/web-fixture.ts';
import { type RunningHazmon, runtimeAlarms, startHazmonRun, storedEvents } from './hazmon-process.ts';
import { mountSmallFilesystem, type SmallFilesystem } from './small-filesystem.ts';

/** Room the ballast leaves for the agent to fill: a few seconds of its writes (readings, alarm events, WAL growth). */
const LEFT_FOR_THE_AGENT = 256 * 1024;

let plant: Plant | undefined;
let small: SmallFilesystem | undefined;
const processes: RunningHazmon[] = [];
const base = mkdtempSync(join(tmpdir(), 'hazmon-disk-full-'));
afterAll(async () => {
  for (const running of processes.splice(0)) await running.kill();
  await plant?.close();
  // The mount goes even when the test failed: a left tmpfs would hold its folder busy.
  await small?.close();
  rmSync(base, { recursive: true, force: true });
}, 60_000);

const command = (alarmId: string, word: string) => `/api/v1/alarms/${encodeURIComponent(alarmId)}/${word}`;

it('a full disk under the store: shut-off confirmed, a store alarm, acks refused; space back: writing resumes, the alarm clears, nothing acknowledged lost', async () => {
  const storeDir = join(base, 'store');
  mkdirSync(storeDir);
  small = await mountSmallFilesystem(storeDir, 4);
  plant = await startPlant({ speed: 4 });
  const storePath = join(storeDir, 'site.duckdb');
  const yaml = (await webConfigYaml(plant.yaml)).replace(/store:\n {2}path: .*\n/, `store:\n  path: ${JSON.stringify(storePath)}\n`);
  expect(yaml).toContain(storePath);
  const file = join(base, 'site.yaml');
  writeFileSync(file, `${yaml}metrics: { port: 0 }\n`);

  let hazmon = await startHazmonRun(file, small.wrap);
  processes.push(hazmon);
  let client = hazmon.client;
  const committedRaw = hazmon.committedRaw;
  const alive = () => expect(hazmon.exitReport()).toBeUndefined();
  const answeredOk: string[] = [];
  const acknowledge = async (alarmId: string, comment: string) => {
    const answer = await client.request<unknown>('POST', command(alarmId, 'ack'), { body: { comment } });
    if (answer.status === 200) answeredOk.push(alarmId);
    return answer;
  };
  const engineAlarm = async (alarmId: string) =>
    (await client.request<{ engine: { id: string; state: string; conditionActive: boolean }[] }>('GET', '/api/v1/alarms')).body.engine.find((alarm) => alarm.id === alarmId);
  await waitFor('lo raised at gas 0', async () => (await engineAlarm(ALARMS.lo))?.conditionActive === true, { timeoutMs: 30_000, everyMs: 250 });
  expect((await acknowledge(ALARMS.lo, 'before the disk fills')).status).toBe(200);

  // Something else takes the disk but a little; the agent's own writes take the rest.
  small.run('fallocate', ['-l', String(Math.max(small.freeBytes() - LEFT_FOR_THE_AGENT, 4096)), join(storeDir, 'ballast')]);
  const beforeFull = await committedRaw();
  const full = await waitFor(
    'store/flush_failed in GET /api/v1/alarms',
    async () => {
      alive();
      const alarm = (await runtimeAlarms(client)).get('store/flush_failed');
      return alarm?.conditionActive ? alarm : undefined;
    },
    { timeoutMs: 120_000, everyMs: 500, state: () => `free ${small!.freeBytes()} bytes; ${hazmon.run.output.stderr.slice(-2000)}` },
  );
  expect(full.why).toMatch(/No space left on device|disk|space/i);
  // Nothing more is claimed written while the disk is full.
  const whileFull = await committedRaw();
  expect(whileFull).toBeGreaterThan(beforeFull);

  // A leak: hihi closes the valve, its limit switches confirm it, though nothing can be stored.
  plant.site.device('GD-1').set('concentration', 45);
  await waitFor(
    'close-gas confirmed by the valve feedback',
    async () => {
      alive();
      const actions = await client.request<{ actions: { id: string; state: string; latched: boolean }[] }>('GET', '/api/v1/actions');
      return actions.body.actions.find((action) => action.id === 'close-gas')?.state === 'confirmed';
    },
    { timeoutMs: 30_000, everyMs: 250 },
  );
  expect(plant.site.device('XV-1').get('closedSwitch')).toBe(1);
  await waitFor('hi raised', async () => (await engineAlarm(ALARMS.hi))?.state === 'unacknowledged_active', { timeoutMs: 30_000, everyMs: 250 });

  // An acknowledgement while nothing can be written: refused, saying why, not answered OK.
  const refused = await acknowledge(ALARMS.hi, 'while the disk is full');
  expect(refused.status).not.toBe(200);
  expect(JSON.stringify(refused.body)).toMatch(/not stored/);
  expect((await engineAlarm(ALARMS.hi))?.state).toBe('unacknowledged_active');

  // Space comes back: the store writes again by itself, the alarm clears, an acknowledgement goes through.
  small.resize(64);
  const cleared = await waitFor(
    'store/flush_failed cleared',
    async () => {
      alive();
      const alarm = (await runtimeAlarms(client)).get('store/flush_failed');
      return alarm !== undefined && !alarm.conditionActive ? alarm : undefined;
    },
    { timeoutMs: 120_000, everyMs: 500 },
  );
  expect(cleared.why).toMatch(/commits go through again/);
  const afterClear = await committedRaw();
  await waitFor('readings committed after the alarm cleared', async () => (await committedRaw()) > afterClear, { timeoutMs: 30_000, everyMs: 500 });
  await waitFor('ack of hi answered OK once the disk has room', async () => (await acknowledge(ALARMS.hi, 'disk has room again')).status === 200, { timeoutMs: 30_000, everyMs: 500 });
  expect((await acknowledge(ALARMS.hihi, 'disk has room again')).status).toBe(200);
  const latched = await client.request<{ actions: { id: string; state: string; latched: boolean }[] }>('GET', '/api/v1/actions');
  expect(latched.body.actions.find((action) => action.id === 'close-gas')).toMatchObject({ state: 'confirmed', latched: true });

  // Stopped and started again on the same file: what was answered OK is on disk, the audit chain verifies.
  hazmon.run.child.kill('SIGTERM');
  expect(await hazmon.run.exited, hazmon.run.output.stderr).toBe(0);
  const verify = runHazmon(['audit', 'verify', file], undefined, small.wrap);
  expect(await verify.exited, `${verify.output.stdout}${verify.output.stderr}`).toBe(0);
  expect(verify.output.stdout).toMatch(/^audit chain ok: \d+ rows/);
  hazmon = await startHazmonRun(file, small.wrap);
  processes.push(hazmon);
  client = hazmon.client;
  const stored = await storedEvents(client);
  for (const alarmId of new Set(answeredOk)) {
    const rows = stored.filter((row) => row.kind === 'acknowledged' && row.who === 'sup' && row.details?.['alarmId'] === alarmId);
    expect(rows.length, `acknowledged rows of ${alarmId}`).toBe(answeredOk.filter((one) => one === alarmId).length);
  }
  expect(stored.filter((row) => row.kind === 'acknowledged' && row.who === 'sup')).toHaveLength(answeredOk.length);
}, 300_000);
