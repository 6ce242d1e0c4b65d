/**
 * Limits the config file moves, through the real server in the real agent on the simulated plant: a reload of the
 * edited file (as SIGHUP makes it) and a start on a file edited while the agent was down each leave an audit row with
 * every moved limit's old and new value, and the trend's limit history steps there with the config file as who; what
 * a reload recorded is still in the trend after a restart (taken from the audit log at start), and a start on an
 * unchanged file records nothing. The supervisors' history of threshold changes lists the config file's among a
 * person's, by time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgentConfig } from '@hazmon/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentCheck, lastAuditSeq, startWebPlant, USERS, WebClient, type WebPlant, webConfigYaml } from './web-fixture.ts';

const POINT = 'GD-1.concentration';
const LIMITS_IN_FILE = 'limits: { lo: 10, hi: 20, hihi: 40 }';

type Limits = { lolo: number | null; lo: number | null; hi: number | null; hihi: number | null };
type Change = { time: number; limit: string; old: number | null; new: number | null; who: string; why: string; kind: string };
type LimitSeries = { limits: Limits; limitsAtFrom: Limits; limitChanges: Change[]; limitsRecordedFrom: number | null };

let web: WebPlant;
let viewer: WebClient;
let admin: WebClient;
let startedAt: number;
let file: string;
/** The config file's text as the plant's agent started on it. */
let original: string;

async function signIn(): Promise<void> {
  const document = await DocumentCheck.load(web.base);
  viewer = new WebClient(web.base, document);
  admin = new WebClient(web.base, document);
  expect((await viewer.login(USERS.viewer)).status).toBe(200);
  expect((await admin.login(USERS.admin)).status).toBe(200);
}

/** The trend's limits over [from, to), its answer checked against the OpenAPI document by the client. */
async function limitsOver(from: number, to: number): Promise<LimitSeries> {
  const answer = await viewer.request<{ series: LimitSeries[] }>('GET', `/api/v1/trends?points=${POINT}&from=${from}&to=${to}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.series[0]!;
}

/** The config file with the gas point's limits written as given. */
function withLimits(limits: string): string {
  expect(original).toContain(LIMITS_IN_FILE);
  return original.replace(LIMITS_IN_FILE, `limits: ${limits}`);
}

/** Every audit row after `afterSeq`, the agent's own (who `hazmon`) among them. */
async function auditAfter(afterSeq: number) {
  return web.agent.reader.auditRows({ afterSeq });
}

beforeAll(async () => {
  startedAt = Date.now();
  web = await startWebPlant();
  file = join(web.plant.dir, 'site.yaml');
  original = await webConfigYaml(web.plant.yaml);
  await signIn();
}, 90_000);

afterAll(async () => {
  await web?.close();
});

describe('limits the config file moves', () => {
  let reloadChange: Change;

  it('a reload that moves hi 20 -> 25: the config_reload audit row has old and new, and the trend steps there with the config file as who', async () => {
    const audit = await lastAuditSeq(web.agent);
    const edited = withLimits('{ lo: 10, hi: 25, hihi: 40 }');
    writeFileSync(file, edited);
    await web.agent.reload(parseAgentConfig(edited, file), 'SIGHUP');

    const [row, ...others] = (await auditAfter(audit)).filter((entry) => entry.action === 'config_reload');
    expect(others).toEqual([]);
    expect(row).toMatchObject({ who: 'hazmon', target: file, details: { trigger: 'SIGHUP', limitsMoved: [POINT] } });
    expect(row!.details?.['limitChanges']).toEqual([{ pointId: POINT, limit: 'hi', old: 20, new: 25, cause: 'config_file' }]);
    // The audit page reads the same row through the API.
    const page = await admin.request<{ rows: { seq: number; details: Record<string, unknown> }[] }>('GET', `/api/v1/audit?action=config_reload&after=${audit}`);
    expect(page.status).toBe(200);
    expect(page.body.rows.find((entry) => entry.seq === row!.seq)?.details['limitChanges']).toEqual(row!.details?.['limitChanges']);

    const series = await limitsOver(startedAt - 60_000, Date.now() + 1000);
    expect(series.limits).toEqual({ lolo: null, lo: 10, hi: 25, hihi: 40 });
    expect(series.limitsAtFrom).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 40 });
    expect(series.limitChanges).toEqual([{ time: row!.time, limit: 'hi', old: 20, new: 25, who: 'config file', why: 'config reload (SIGHUP)', kind: 'config_file' }]);
    expect(series.limitsRecordedFrom).toBeNull();
    reloadChange = series.limitChanges[0]!;
    // A range that ends before the reload: the limits then were the file's old ones.
    expect(await limitsOver(startedAt - 60_000, row!.time)).toMatchObject({ limitsAtFrom: { hi: 20 }, limitChanges: [] });
  }, 60_000);

  it('a start on a file edited while the agent was down: audited with old and new, in the trend after the reload taken from the audit log', async () => {
    const audit = await lastAuditSeq(web.agent);
    const edited = withLimits('{ lo: 12, hi: 22, hihi: 40 }');
    writeFileSync(file, edited);
    web = await web.restart(undefined, parseAgentConfig(edited, file));
    await signIn();

    const rows = (await auditAfter(audit)).filter((entry) => entry.action === 'limits_changed_at_start' || entry.action === 'config_reload');
    expect(rows).toEqual([expect.objectContaining({ action: 'limits_changed_at_start', who: 'hazmon', target: file })]);
    expect(rows[0]!.details).toMatchObject({
      trigger: 'start',
      limitChanges: [
        { pointId: POINT, limit: 'lo', old: 10, new: 12, cause: 'config_file' },
        { pointId: POINT, limit: 'hi', old: 25, new: 22, cause: 'config_file' },
      ],
    });

    const series = await limitsOver(startedAt - 60_000, Date.now() + 1000);
    expect(series.limits).toEqual({ lolo: null, lo: 12, hi: 22, hihi: 40 });
    expect(series.limitsAtFrom).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 40 });
    const why = "start: the config file's limits differ from those the last run left in force";
    expect(series.limitChanges).toEqual([
      reloadChange,
      { time: rows[0]!.time, limit: 'lo', old: 10, new: 12, who: 'config file', why, kind: 'config_file' },
      { time: rows[0]!.time, limit: 'hi', old: 25, new: 22, who: 'config file', why, kind: 'config_file' },
    ]);
  }, 90_000);

  it('a start on the unchanged file records nothing and draws the same history, read from the audit log again', async () => {
    const before = await limitsOver(startedAt - 60_000, Date.now() + 1000);
    const audit = await lastAuditSeq(web.agent);
    web = await web.restart();
    await signIn();
    expect((await auditAfter(audit)).filter((entry) => entry.action === 'limits_changed_at_start')).toEqual([]);
    const after = await limitsOver(startedAt - 60_000, Date.now() + 1000);
    // The reload's and the edited start's changes, taken from the audit log again, and no more.
    expect(after.limitChanges.map((change) => [change.limit, change.old, change.new, change.who])).toEqual([
      ['hi', 20, 25, 'config file'],
      ['lo', 10, 12, 'config file'],
      ['hi', 25, 22, 'config file'],
    ]);
    expect(after.limitChanges).toEqual(before.limitChanges);
    expect(after.limitsAtFrom).toEqual(before.limitsAtFrom);
  }, 90_000);

  it("the history of threshold changes lists the config file's changes with a person's, newest first, in the documented shape", async () => {
    const answer = await admin.request('PUT', `/api/v1/points/${encodeURIComponent(POINT)}/thresholds`, { body: { hihi: 45, reason: 'second detector added' } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // Checked against the OpenAPI document by the client: a kind it does not declare fails here.
    const changes = await admin.request<{ history: (Change & { pointId: string })[] }>('GET', '/api/v1/threshold-changes');
    expect(changes.status, JSON.stringify(changes.body)).toBe(200);
    const trend = await limitsOver(startedAt - 60_000, Date.now() + 1000);
    const [reload, startLo, startHi] = trend.limitChanges;
    expect(changes.body.history).toEqual([
      { time: expect.any(Number), pointId: POINT, limit: 'hihi', old: 40, new: 45, who: 'root', why: 'second detector added', kind: 'changed' },
      { pointId: POINT, ...startHi },
      { pointId: POINT, ...startLo },
      { pointId: POINT, ...reload },
    ]);
    // Every entry in the person's entries' field order (the answer before the config file's changes were listed).
    const fields = ['time', 'pointId', 'limit', 'old', 'new', 'who', 'why', 'kind'];
    expect(changes.body.history.map((entry) => Object.keys(entry))).toEqual(Array(4).fill(fields));
  }, 60_000);
});
