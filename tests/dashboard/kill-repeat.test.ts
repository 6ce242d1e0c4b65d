/**
 * kill -9 of `hazmon run` ten times in a row on one store file, each time under load: readings flowing, an alarm
 * raised, acknowledged and its handling recorded through HTTP, a live stream open. After each restart the file opens,
 * every command answered OK is there (the alarm states come back: acknowledged stays acknowledged, the shelf stays),
 * the audit chain verifies, the raw readings the store had committed before the kill are there, and a stream
 * reconnecting with the Last-Event-ID it had seen gets each missed event once. `HAZMON_SOAK=1` runs 50 rounds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmView } from '@hazmon/agent';
import { afterEach, expect, it } from 'vitest';
import { countRawRows, type Plant, startPlant, waitFor } from '../agent/fixture.ts';
import { type RunningHazmon, startHazmonRun, storedEvents } from '../system/hazmon-process.ts';
import { SseStream } from './sse-client.ts';
import { ALARMS, type WebClient, webConfigYaml } from './web-fixture.ts';

const ROUNDS = process.env['HAZMON_SOAK'] === '1' ? 50 : 10;

let plant: Plant | undefined;
const children: RunningHazmon[] = [];
const streams: SseStream[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) await stream.close();
  for (const running of children.splice(0)) await running.kill();
  await plant?.close();
  plant = undefined;
});

async function alarmsOf(client: WebClient): Promise<Map<string, AlarmView>> {
  const answer = await client.request<{ engine: AlarmView[] }>('GET', '/api/v1/alarms');
  expect(answer.status).toBe(200);
  return new Map(answer.body.engine.map((alarm) => [alarm.id, alarm]));
}

const command = (alarmId: string, word: string) => `/api/v1/alarms/${encodeURIComponent(alarmId)}/${word}`;

it(`${ROUNDS} kills -9 in a row under load: each restart has every acknowledged command, the alarm states, the committed readings, a valid audit chain, and the stream resumes without loss or repeat`, async () => {
  plant = await startPlant({ speed: 4 });
  const file = join(plant.dir, 'site.yaml');
  const storePath = join(plant.dir, 'site.duckdb');
  writeFileSync(file, `${await webConfigYaml(plant.yaml)}metrics: { port: 0 }\n`);

  let lastSeenId: string | undefined;
  let rawInFile = 0;
  let shelvedUntil: number | null = null;
  const answeredOk: { alarmId: string; kind: 'acknowledged' | 'handled' }[] = [];
  let expectedStates = new Map<string, string>();
  for (let round = 0; round < ROUNDS; round += 1) {
    const hazmon = await startHazmonRun(file);
    children.push(hazmon);
    const { run, client } = hazmon;
    const stream = await SseStream.open(client.base, client.sessionCookie!, lastSeenId);
    streams.push(stream);
    const stored = await storedEvents(client);

    // What the previous rounds were answered OK for is all there, in the state it was left in.
    if (round > 0) {
      const held = round % 2 === 1 ? ALARMS.hi : ALARMS.lo;
      await waitFor(`${held} judged again after restart ${round}`, async () => (await alarmsOf(client)).get(held)?.conditionActive === true, { timeoutMs: 30_000, everyMs: 250 });
      const alarms = await alarmsOf(client);
      for (const [alarmId, state] of expectedStates) expect(alarms.get(alarmId)?.state, `${alarmId} after restart ${round}`).toBe(state);
      expect(alarms.get(ALARMS.hihi)).toMatchObject({ mode: 'shelved', shelvedUntil });
      for (const { alarmId, kind } of answeredOk) {
        const count = answeredOk.filter((one) => one.alarmId === alarmId && one.kind === kind).length;
        const rows = stored.filter((row) => row.kind === kind && row.who === 'sup' && row.details?.['alarmId'] === alarmId);
        expect(rows.length, `${kind} rows of ${alarmId} after restart ${round}`).toBe(count);
      }
      const audit = await client.request<{ chain: { ok: boolean } }>('GET', '/api/v1/audit?limit=1');
      expect(audit.body.chain.ok).toBe(true);
    }
    // The stream resumes after the last event it had: every stored one after it, once each, in order.
    if (lastSeenId !== undefined) {
      const missed = stored.filter((row) => row.seq > Number(lastSeenId)).map((row) => row.seq);
      await stream.until(`the ${missed.length} missed events`, (s) => s.alarmEvents().length >= missed.length);
      expect(
        stream
          .alarmEvents()
          .map((event) => event.row.seq)
          .slice(0, missed.length),
      ).toEqual(missed);
    }
    // Load: the gas moves between the lo and hi bands; the alarm it raises is acknowledged and its handling recorded.
    const raised = round % 2 === 0 ? ALARMS.hi : ALARMS.lo;
    const returned = round % 2 === 0 ? ALARMS.lo : ALARMS.hi;
    plant.site.device('GD-1').set('concentration', round % 2 === 0 ? 25 : 0);
    await waitFor(
      `${raised} raised in round ${round}`,
      async () => {
        const alarms = await alarmsOf(client);
        return alarms.get(raised)?.conditionActive === true && alarms.get(returned)?.conditionActive !== true;
      },
      { timeoutMs: 30_000, everyMs: 250 },
    );
    if (round === 0) {
      const shelved = await client.request('POST', command(ALARMS.hihi, 'shelve'), { body: { reason: 'detector swap', minutes: 1440 } });
      expect(shelved.status).toBe(200);
      shelvedUntil = (await alarmsOf(client)).get(ALARMS.hihi)!.shelvedUntil;
    }
    for (const alarm of (await alarmsOf(client)).values()) {
      if (alarm.id !== ALARMS.lo && alarm.id !== ALARMS.hi) continue;
      if (!alarm.state.startsWith('unacknowledged')) continue;
      expect((await client.request('POST', command(alarm.id, 'ack'), { body: { comment: `round ${round}` } })).status).toBe(200);
      answeredOk.push({ alarmId: alarm.id, kind: 'acknowledged' });
    }
    const handling = { found: `round ${round}`, done: 'checked', result: 'ok' };
    expect((await client.request('POST', command(raised, 'handling'), { body: handling })).status).toBe(200);
    answeredOk.push({ alarmId: raised, kind: 'handled' });
    const states = await alarmsOf(client);
    expect(states.get(raised)?.state).toBe('acknowledged_active');
    expectedStates = new Map([[raised, 'acknowledged_active']]);
    const committed = await hazmon.committedRaw();
    run.child.kill('SIGKILL');
    await run.exited;
    await stream.until('the stream ended by the kill', (s) => s.ended);
    const seen = stream.alarmEvents();
    expect(new Set(seen.map((event) => event.row.seq)).size).toBe(seen.length);
    lastSeenId = seen.at(-1)?.id ?? lastSeenId;

    const rows = await countRawRows(storePath);
    expect(rows, `raw rows after kill ${round + 1}: ${rawInFile} before the run + ${committed} committed in it`).toBeGreaterThanOrEqual(rawInFile + committed);
    expect(committed).toBeGreaterThan(0);
    rawInFile = rows;
  }
}, 300_000);
