/**
 * The regulator pull API on the real server in the real agent on the simulated plant, with a regulator token: the
 * site with its warning and major-hazard grades, points with thresholds and the disable record, devices, aggregates
 * paged by time, exports read back; the route x credential matrix; generated bad query params (4xx naming the field,
 * never a 5xx). Every JSON answer is checked against the served OpenAPI document.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { ALARMS, DocumentCheck, ROLE_NAMES, startWebPlant, USERS, WebClient, type Answer, type Role, type WebPlant } from './web-fixture.ts';

/** The site plan: an SVG with a script in it, which the served policy must keep from running. */
const PLAN_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600"><script>alert(1)</script><rect width="800" height="600"/></svg>';
const planDir = mkdtempSync(join(tmpdir(), 'hazmon-plan-'));
writeFileSync(join(planDir, 'plan.svg'), PLAN_SVG);

const SITE_YAML = `site:
  id: test-plant
  name: Test plant
  timeZone: Europe/Berlin
  plan: { image: ${JSON.stringify(join(planDir, 'plan.svg'))}, width: 800, height: 600 }
  gatewayCode: GW-0001
  enterprise: { code: 1101100012NR, name: Test Chemical Co. }
  majorHazard:
    alpha: 2
    substances:
      - { name: chlorine, casNumber: 7782-50-5, quantityT: 40, criticalQuantityT: 5, beta: 4 }
      - { name: methane, quantityT: 30, criticalQuantityT: 50, beta: 1.5 }
`;

/** The gas point's provincial indicator metadata, as the config gives it. */
const INDICATOR_YAML = `    area: house
    position: { x: 120.5, y: 600 }
    indicatorCode: 1101100012NR0001
    equipmentCode: EQ-GD-1
    tagNumber: GT-101
    range: [0, 100]
    longitude: 118.78
    latitude: 32.04
    hazardSourceCode: HS-01
    casNumber: 74-82-8
    disabled: { by: zhang, at: "2026-01-05T08:00:00+08:00", reason: sensor replaced }
`;

let web: WebPlant;
let document: DocumentCheck;
const sessions = {} as Record<Role, WebClient>;
let secret: string;
let revokedSecret: string;

/** GET with `Authorization: Bearer <token>` and nothing else. */
function pull<T = unknown>(path: string, token = secret, headers: Record<string, string> = {}): Promise<Answer<T>> {
  return new WebClient(web.base, document).request<T>('GET', path, { headers: { Authorization: `Bearer ${token}`, ...headers } });
}

/** GET over node:http, which neither asks for nor undoes a content coding: the bytes as sent. */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${web.base}${path}`, { headers: { Authorization: `Bearer ${secret}`, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

const engineAlarm = (id: string) => web.agent.alarms().engine.find((alarm) => alarm.id === id);
const minute = (time: number) => Math.floor(time / 60_000) * 60_000;
const iso = (time: number) => new Date(time).toISOString();

beforeAll(async () => {
  web = await startWebPlant({}, undefined, (yaml) => yaml.replace('site:\n  id: test-plant\n  name: Test plant\n', SITE_YAML).replace('    area: house\n', INDICATOR_YAML));
  document = await DocumentCheck.load(web.base);
  for (const role of ROLE_NAMES) {
    sessions[role] = new WebClient(web.base, document);
    expect((await sessions[role].login(USERS[role])).status).toBe(200);
  }
  secret = (await sessions.admin.request<{ secret: string }>('POST', '/api/v1/tokens', { body: { name: 'bureau' } })).body.secret;
  const revoked = await sessions.admin.request<{ secret: string; token: { id: string } }>('POST', '/api/v1/tokens', { body: { name: 'old' } });
  revokedSecret = revoked.body.secret;
  expect((await sessions.admin.request('DELETE', `/api/v1/tokens/${revoked.body.token.id}`)).status).toBe(200);
  await waitFor('lo raised at gas 0', () => engineAlarm(ALARMS.lo)?.state === 'unacknowledged_active');
}, 90_000);

afterAll(async () => {
  await web?.close();
  rmSync(planDir, { recursive: true, force: true });
});

interface SiteAnswer {
  enterprise: { code: string; name: string } | null;
  site: { id: string; gatewayCode: string | null };
  warningGrade: string;
  areas: { id: string; warningGrade: string }[];
  majorHazard: { r: number; grade: number } | null;
}

describe('GET /api/v1/site', () => {
  it('gives the identity from the config, the warning grade of the live alarms and the major-hazard grade', async () => {
    const quiet = await pull<SiteAnswer>('/api/v1/site');
    expect(quiet.status).toBe(200);
    expect(quiet.body).toMatchObject({
      enterprise: { code: '1101100012NR', name: 'Test Chemical Co.' },
      site: { id: 'test-plant', gatewayCode: 'GW-0001', timeZone: 'Europe/Berlin' },
      plan: { url: '/api/v1/site/plan', width: 800, height: 600 },
    });
    expect(quiet.body.majorHazard?.r).toBeCloseTo(65.8, 6);
    expect(quiet.body.majorHazard?.grade).toBe(2);
    // lo (medium) stands at gas 0 in the house.
    expect(quiet.body.warningGrade).toBe('yellow');
    expect(quiet.body.areas).toEqual([{ id: 'house', name: 'Compressor house', kind: null, hazardSourceCode: null, warningGrade: 'yellow' }]);
  });

  it('refuses a query param by name, as every other route does: a filter the route does not have must not pass as the whole site', async () => {
    for (const path of ['/api/v1/site?area=house', '/api/v1/site/plan?format=png'])
      expect(await pull(path), path).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field: path.includes('area') ? 'area' : 'format' } } });
  });
});

describe('GET /api/v1/site/plan', () => {
  it('serves the plan image as it is on disk, an SVG under a policy that runs no script and loads nothing', async () => {
    for (const answer of [await pull<string>('/api/v1/site/plan'), await sessions.viewer.request<string>('GET', '/api/v1/site/plan')]) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('image/svg+xml');
      expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.body).toBe(PLAN_SVG);
    }
  });

  it('is a 404 naming site.plan.image when the image went away after start, and serves it again once back', async () => {
    const image = join(planDir, 'plan.svg');
    rmSync(image);
    try {
      expect(await pull('/api/v1/site/plan')).toMatchObject({ status: 404, body: { error: { code: 'HAZMON_API_NOT_FOUND', message: expect.stringContaining('site.plan.image') } } });
    } finally {
      writeFileSync(image, PLAN_SVG);
    }
    expect((await pull('/api/v1/site/plan')).status).toBe(200);
  });
});

describe('GET /api/v1/points', () => {
  it('gives each point its thresholds in force, its indicator metadata, its plan position and the disable records', async () => {
    expect((await sessions.supervisor.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.lo)}/out-of-service`, { body: { reason: 'detector recalibration' } })).status).toBe(200);
    interface Point {
      id: string;
      thresholds: Record<string, number | null>;
      outOfService: { alarmId: string; by: string | null; at: number; reason: string | null }[];
    }
    const answer = await pull<{ points: Point[] }>('/api/v1/points');
    expect(answer.status).toBe(200);
    const gas = answer.body.points.find((point) => point.id === 'GD-1.concentration')!;
    expect(gas.thresholds).toEqual({ lolo: null, lo: 10, hi: 20, hihi: 40 });
    expect(gas).toMatchObject({
      indicatorCode: '1101100012NR0001',
      equipmentCode: 'EQ-GD-1',
      gatewayCode: 'GW-0001',
      tagNumber: 'GT-101',
      range: [0, 100],
      longitude: 118.78,
      latitude: 32.04,
      hazardSourceCode: 'HS-01',
      casNumber: '74-82-8',
      position: { x: 120.5, y: 600 },
      pollIntervalMs: expect.any(Number),
      resolution: expect.any(Number),
      disabled: { by: 'zhang', at: Date.parse('2026-01-05T00:00:00Z'), reason: 'sensor replaced' },
    });
    expect(gas.outOfService).toEqual([{ alarmId: ALARMS.lo, by: 'sup', at: expect.any(Number), reason: 'detector recalibration' }]);
    // lo clears while out of service (gas 15 > 10) and the engine stores that row: the disable record still names who
    // took it out, when and why, not the engine and its reading (STOP_PSN, STOP_TIME, STOP_REMARK).
    type Events = { events: { seq: number; who: string; kind: string; details: { alarmId?: string } }[] };
    const removal = (await pull<Events>('/api/v1/alarm-events?limit=1000')).body.events.findLast((event) => event.details.alarmId === ALARMS.lo)!;
    expect(removal).toMatchObject({ kind: 'out_of_service', who: 'sup' });
    web.plant.site.device('GD-1').set('concentration', 15);
    await waitFor('lo cleared, stored', async () =>
      (await pull<Events>(`/api/v1/alarm-events?after=${removal.seq}`)).body.events.some((event) => event.details.alarmId === ALARMS.lo && event.who === 'engine'),
    );
    const afterClear = (await pull<{ points: Point[] }>('/api/v1/points')).body.points.find((point) => point.id === 'GD-1.concentration')!;
    web.plant.site.device('GD-1').set('concentration', 0);
    expect(afterClear.outOfService).toEqual(gas.outOfService);
    await waitFor('lo active again', () => engineAlarm(ALARMS.lo)?.conditionActive === true);
    expect(answer.body.points.find((point) => point.id === 'XV-1.closed')).toMatchObject({
      thresholds: { lolo: null, lo: null, hi: null, hihi: null },
      indicatorCode: null,
      resolution: 1,
      position: null,
      disabled: null,
      outOfService: [],
    });
    // Out of service, lo no longer colours the site.
    expect((await pull<SiteAnswer>('/api/v1/site')).body.warningGrade).toBe('normal');
    expect((await sessions.supervisor.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.lo)}/return-to-service`, { body: {} })).status).toBe(200);
    // Given without a reason, the row has none (not the command's name as if someone had written it).
    const returned = (await web.agent.reader.alarmEventsAfter(0, 10_000)).filter((row) => row.kind === 'returned_to_service').at(-1);
    expect(returned).toMatchObject({ who: USERS.supervisor.name, why: null });
  });
});

describe('GET /api/v1/points?fields=fixed|live', () => {
  it('splits each entry into the fixed fields, kept by their ETag (304 while the config is the same), and the live ones', async () => {
    type Entry = Record<string, unknown> & { id: string };
    const all = await pull<{ points: Entry[] }>('/api/v1/points');
    const fixed = await pull<{ points: Entry[] }>('/api/v1/points?fields=fixed');
    const live = await pull<{ points: Entry[] }>('/api/v1/points?fields=live');
    expect([fixed.status, live.status]).toEqual([200, 200]);
    const liveFields = ['outOfService', 'value', 'quality', 'reason', 'sourceTime', 'receiveTime'];
    const tag = fixed.headers.get('etag');
    // fetch accepts gzip: the gzipped representation's own tag.
    expect(tag).toMatch(/^"points-[0-9a-z]+-\d+-gzip"$/);
    expect(fixed.headers.get('cache-control')).toBe('private, no-cache');
    expect(live.headers.get('etag')).toBeNull();
    // The same points in the same order; the fixed and the live fields together make each whole entry.
    expect(fixed.body.points.map((point) => point.id)).toEqual(all.body.points.map((point) => point.id));
    expect(live.body.points.map((point) => point.id)).toEqual(all.body.points.map((point) => point.id));
    for (const [i, point] of all.body.points.entries()) {
      expect(fixed.body.points[i]).toEqual(Object.fromEntries(Object.entries(point).filter(([field]) => !liveFields.includes(field))));
      expect(Object.keys(live.body.points[i]!).sort()).toEqual(['id', ...liveFields].sort());
    }
    // Built from the running config's definitions: each point's as the store registered it.
    const stored = new Map((await web.agent.reader.pointDefinitions()).map((definition) => [definition.pointId, definition]));
    for (const point of fixed.body.points) {
      const definition = stored.get(point.id)!;
      expect(point).toMatchObject({
        description: definition.description ?? null,
        indicatorCode: definition.indicatorCode ?? null,
        equipmentCode: definition.equipmentCode ?? null,
        gatewayCode: definition.gatewayCode ?? null,
        tagNumber: definition.tagNumber ?? null,
        range: definition.rangeLow == null ? null : [definition.rangeLow, definition.rangeHigh],
        longitude: definition.longitude ?? null,
        latitude: definition.latitude ?? null,
        hazardSourceCode: definition.hazardSourceCode ?? null,
        casNumber: definition.casNumber ?? null,
        pollIntervalMs: definition.pollIntervalMs,
        resolution: definition.resolution,
        disabled: definition.disabled ?? null,
      });
    }
    expect(fixed.body.points.find((point) => point.id === 'GD-1.concentration')).toMatchObject({ indicatorCode: '1101100012NR0001', disabled: { by: 'zhang' } });
    const gas = live.body.points.find((point) => point.id === 'GD-1.concentration')!;
    expect(gas).toMatchObject({ quality: 'good', value: expect.any(Number), receiveTime: expect.any(Number) });

    const again = await pull('/api/v1/points?fields=fixed', secret, { 'If-None-Match': tag! });
    expect(again).toMatchObject({ status: 304, body: '' });
    expect(again.headers.get('etag')).toBe(tag);
    expect((await pull('/api/v1/points?fields=fixed', secret, { 'If-None-Match': `"other", ${tag}` })).status).toBe(304);
    expect((await pull('/api/v1/points?fields=fixed', secret, { 'If-None-Match': '"points-0-1"' })).status).toBe(200);
    expect((await pull('/api/v1/points?fields=live', secret, { 'If-None-Match': tag! })).status).toBe(200);
    expect(await pull('/api/v1/points?fields=values')).toMatchObject({ status: 400, body: { error: { field: 'fields' } } });
  });

  it('sends the fixed fields gzipped to a client that accepts gzip, the same bytes once unzipped; every answer with its length', async () => {
    const plain = await rawGet('/api/v1/points?fields=fixed', {});
    const zipped = await rawGet('/api/v1/points?fields=fixed', { 'Accept-Encoding': 'br;q=1, gzip;q=0.5' });
    const refused = await rawGet('/api/v1/points?fields=fixed', { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect([plain.status, zipped.status, refused.status]).toEqual([200, 200, 200]);
    expect([plain.headers['content-encoding'], zipped.headers['content-encoding'], refused.headers['content-encoding']]).toEqual([undefined, 'gzip', undefined]);
    expect(zipped.headers['vary']).toBe('Accept-Encoding');
    // Each representation its own strong tag: a cache never answers one with the other's bytes.
    expect(zipped.headers['etag']).toBe(`${plain.headers['etag']!.slice(0, -1)}-gzip"`);
    expect(refused.headers['etag']).toBe(plain.headers['etag']);
    expect([plain.headers['content-length'], zipped.headers['content-length']]).toEqual([String(plain.body.length), String(zipped.body.length)]);
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(refused.body.equals(plain.body)).toBe(true);
    expect(JSON.parse(plain.body.toString('utf8'))).toHaveProperty('points');
    const live = await rawGet('/api/v1/points?fields=live', {});
    expect(live.headers['content-length']).toBe(String(live.body.length));
    // The whole answer's entries open with the fixed answer's entries byte for byte (they are cut from its unzipped bytes), then the live fields.
    const all = await rawGet('/api/v1/points', { 'Accept-Encoding': 'identity' });
    const fixedEntries = (JSON.parse(plain.body.toString('utf8')) as { points: object[] }).points.map((entry) => JSON.stringify(entry).slice(0, -1));
    const allEntries = (JSON.parse(all.body.toString('utf8')) as { points: object[] }).points.map((entry) => JSON.stringify(entry));
    expect(allEntries.length).toBe(fixedEntries.length);
    for (const [i, entry] of allEntries.entries()) expect(entry.startsWith(`${fixedEntries[i]},"outOfService":`), entry).toBe(true);
    expect(all.body.toString('utf8')).toBe(JSON.stringify(JSON.parse(all.body.toString('utf8'))));
    expect(plain.body.toString('utf8')).toBe(JSON.stringify(JSON.parse(plain.body.toString('utf8'))));
    expect((JSON.parse(live.body.toString('utf8')) as { points: unknown[] }).points.length).toBe((JSON.parse(plain.body.toString('utf8')) as { points: unknown[] }).points.length);
  });
});

describe('GET /api/v1/devices', () => {
  it('gives each device its comms state, last good reading and request counters', async () => {
    type Devices = { devices: { id: string; kind: string; comms: string; lastGoodReadingAt: number | null; counters: { requests: number } | null }[] };
    // A poll timed out on a loaded machine is a comms loss for its return hold: wait for the plant to be healthy.
    await waitFor('every device ok', async () => (await pull<Devices>('/api/v1/devices')).body.devices.every((device) => device.comms === 'ok'), { timeoutMs: 30_000 });
    const answer = await pull<Devices>('/api/v1/devices');
    expect(answer.status).toBe(200);
    expect(answer.body.devices.map((device) => device.id).sort()).toEqual(['GD-1', 'XV-1']);
    for (const device of answer.body.devices) {
      expect(device).toMatchObject({ kind: 'modbus', comms: 'ok', lastGoodReadingAt: expect.any(Number) });
      expect(device.counters!.requests).toBeGreaterThan(0);
    }
  }, 60_000);
});

interface AggregatePage {
  asOf: string;
  rows: { pointId: string; start: string; min: number | null; avg: number | null; max: number | null; count: number; completeness: number }[];
  next: string | null;
}

interface AggregateSeriesPage {
  from: string;
  to: string;
  series: { pointId: string; min: (number | null)[]; avg: (number | null)[]; max: (number | null)[]; count: number[]; completeness: number[] }[];
  next: string | null;
}

describe('GET /api/v1/aggregates', () => {
  it('gives min, avg, max, count and completeness per point and minute', async () => {
    const start = minute(Date.now());
    await waitFor(
      'readings this minute stored',
      async () => ((await pull<AggregatePage>(`/api/v1/aggregates?points=GD-1.concentration&interval=1m&from=${iso(start)}&to=${iso(start + 60_000)}`)).body.rows[0]?.count ?? 0) > 0,
    );
    const answer = await pull<AggregatePage>(`/api/v1/aggregates?points=GD-1.concentration&interval=1m&from=${iso(start)}&to=${iso(start + 60_000)}`);
    expect(answer.status).toBe(200);
    expect(answer.body.next).toBeNull();
    expect(answer.body.rows).toEqual([
      { pointId: 'GD-1.concentration', start: iso(start), min: expect.any(Number), avg: expect.any(Number), max: expect.any(Number), count: expect.any(Number), completeness: expect.any(Number) },
    ]);
    expect(answer.body.rows[0]!.completeness).toBeGreaterThan(0);
    expect(answer.body.rows[0]!.completeness).toBeLessThanOrEqual(1);
    // The minute is still filling: the page says when it was read, so a puller does not take its completeness as final.
    const asOf = Date.parse(answer.body.asOf);
    expect(asOf).toBeGreaterThanOrEqual(start);
    expect(asOf).toBeLessThan(start + 90_000);
    expect(answer.body.asOf).toBe(new Date(asOf).toISOString());
  }, 30_000);

  it('pages by time: each page holds at most `limit` rows, `next` chains the pages, no bucket twice or missing', async () => {
    const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    const from = to - 5 * 3_600_000;
    const points = 'GD-1.concentration,XV-1.closed';
    const starts: string[] = [];
    let cursor: string | null = iso(from);
    let pages = 0;
    while (cursor !== null) {
      const page: Answer<AggregatePage> = await pull<AggregatePage>(`/api/v1/aggregates?points=${points}&interval=1h&from=${cursor}&to=${iso(to)}&limit=5`);
      expect(page.status).toBe(200);
      expect(page.body.rows.length).toBeLessThanOrEqual(5);
      starts.push(...page.body.rows.map((row) => `${row.pointId}@${row.start}`));
      cursor = page.body.next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(new Set(starts).size).toBe(10);
    expect(starts).toHaveLength(10);
    // The largest page (an hour of 1,000 points at 1 min) holds the same rows in one answer.
    const whole = await pull<AggregatePage>(`/api/v1/aggregates?points=${points}&interval=1h&from=${iso(from)}&to=${iso(to)}&limit=60000`);
    expect(whole).toMatchObject({ status: 200, body: { next: null } });
    expect(whole.body.rows.map((row) => `${row.pointId}@${row.start}`).sort()).toEqual([...starts].sort());
  });

  it("answers the same figures as series (shape=series): per point one array per figure over the page's buckets, paged the same way", async () => {
    const to = minute(Date.now()) - 120_000;
    const from = to - 10 * 60_000;
    const range = `points=GD-1.concentration,XV-1.closed&interval=1m&from=${iso(from)}&to=${iso(to)}&limit=12`;
    const rowsOf = async () => {
      const rows: AggregatePage['rows'] = [];
      for (let cursor: string | null = iso(from); cursor !== null; ) {
        const page: Answer<AggregatePage> = await pull<AggregatePage>(`/api/v1/aggregates?${range.replace(`from=${iso(from)}`, `from=${cursor}`)}`);
        rows.push(...page.body.rows);
        cursor = page.body.next;
      }
      return rows;
    };
    const seriesPages: AggregateSeriesPage[] = [];
    let rows: AggregatePage['rows'] = [];
    // A minute's figures settle once its rollup is stored: compare series with rows pulled alike before and after.
    await waitFor('the same rows before and after the series', async () => {
      const before = await rowsOf();
      seriesPages.length = 0;
      for (let cursor: string | null = iso(from); cursor !== null; ) {
        const page: Answer<AggregateSeriesPage> = await pull<AggregateSeriesPage>(`/api/v1/aggregates?${range.replace(`from=${iso(from)}`, `from=${cursor}`)}&shape=series`);
        expect(page.status).toBe(200);
        seriesPages.push(page.body);
        cursor = page.body.next;
      }
      rows = await rowsOf();
      return JSON.stringify(before) === JSON.stringify(rows);
    });
    expect(seriesPages.map((page) => [page.from, page.to, page.next])).toEqual([
      [iso(from), iso(from + 6 * 60_000), iso(from + 6 * 60_000)],
      [iso(from + 6 * 60_000), iso(to), null],
    ]);
    const asRows = seriesPages.flatMap((page) =>
      page.series.flatMap((series) =>
        series.min.map((min, bucket) => ({
          pointId: series.pointId,
          start: iso(Date.parse(page.from) + bucket * 60_000),
          min,
          avg: series.avg[bucket]!,
          max: series.max[bucket]!,
          count: series.count[bucket]!,
          completeness: series.completeness[bucket]!,
        })),
      ),
    );
    const order = (list: AggregatePage['rows']) => [...list].sort((a, b) => a.start.localeCompare(b.start) || a.pointId.localeCompare(b.pointId));
    expect(rows).toHaveLength(20);
    expect(order(asRows)).toEqual(order(rows));
    expect(await pull(`/api/v1/aggregates?${range}&shape=columns`)).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field: 'shape' } } });
  }, 60_000);

  it('names the field of a range that is not whole intervals or an unknown point', async () => {
    const start = minute(Date.now());
    // A minute past an hour's start: never a whole hour, whatever minute the test runs in.
    const pastHour = Math.floor(start / 3_600_000) * 3_600_000 + 60_000;
    for (const [query, field] of [
      [`interval=1h&from=${iso(pastHour)}&to=${iso(pastHour + 3_600_000)}`, 'from'],
      [`interval=1m&from=${iso(start)}&to=${iso(start + 90_000)}`, 'to'],
      [`interval=1m&from=${iso(start)}&to=${iso(start)}`, 'to'],
      [`interval=1m&from=${iso(start)}&to=${iso(start + 60_000)}&points=nope`, 'points'],
      [`interval=1m&from=${iso(start)}&to=${iso(start + 60_000)}&limit=1`, 'limit'],
      [`interval=1m&from=${iso(start)}&to=${iso(start + 60_000)}&limit=60001`, 'limit'],
      [`interval=5m&from=${iso(start)}&to=${iso(start + 60_000)}`, 'interval'],
      [`interval=1m&from=yesterday&to=${iso(start + 60_000)}`, 'from'],
      [`interval=1m&from=${iso(start)}&to=${iso(start + 60_000)}&page=2`, 'page'],
    ] as const) {
      expect(await pull(`/api/v1/aggregates?${query}`), query).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field } } });
    }
  });

  it('quotes a time that is not ISO 8601 with Z or an offset and says the form wanted; an offset whose + the URL turned into a space is told so', async () => {
    const start = minute(Date.now());
    const to = iso(start + 60_000);
    for (const [from, said] of [
      ['2026-12-07', '"2026-12-07" is not an ISO 8601 time with Z or an offset, e.g. 2026-01-01T00:00:00Z'],
      [
        '2026-12-08T05:55:00+08:00',
        '"2026-12-08T05:55:00 08:00" is not an ISO 8601 time with Z or an offset, e.g. 2026-01-01T00:00:00Z or 2026-01-01T08:00:00+08:00 (a "+" in a URL\'s query reads as a space: write it %2B)',
      ],
    ] as const) {
      const answer = await pull<{ error: { field: string; message: string } }>(`/api/v1/aggregates?interval=1m&from=${from}&to=${to}`);
      expect(answer.status, from).toBe(400);
      expect(answer.body.error.field, from).toBe('from');
      expect(answer.body.error.message, from).toContain(`from: ${said}`);
    }
    const offset = new Date(start + 8 * 3_600_000).toISOString().replace('.000Z', '+08:00');
    expect((await pull(`/api/v1/aggregates?interval=1m&from=${encodeURIComponent(offset)}&to=${to}`)).status, offset).toBe(200);
  });
});

describe('GET /api/v1/export', () => {
  const exportDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('hazmon-export-'));

  it('streams readings as CSV and alarm events as Parquet, and deletes the temporary file', async () => {
    const before = exportDirs();
    const to = Date.now() + 1000;
    const csv = await new WebClient(web.base, document).request<string>('GET', `/api/v1/export?what=readings&format=csv&from=${iso(to - 600_000)}&to=${iso(to)}`, {
      headers: { Authorization: `Bearer ${secret}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="readings-.*\.csv"$/);
    const lines = csv.body.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(csv.body).toContain('GD-1.concentration');

    const response = await fetch(`${web.base}/api/v1/export?what=alarm_events&format=parquet&from=${iso(to - 600_000)}&to=${iso(to)}`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(response.status).toBe(200);
    const parquet = Buffer.from(await response.arrayBuffer());
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    expect(parquet.subarray(-4).toString()).toBe('PAR1');
    await waitFor('temporary export files deleted', () => exportDirs().length <= before.length);
  });

  it('streams the aggregates of a range in one file, the rows of GET /api/v1/aggregates by interval then point', async () => {
    const to = minute(Date.now());
    const from = to - 3 * 60_000;
    const points = 'GD-1.concentration,XV-1.closed';
    const csv = await pull<string>(`/api/v1/export?what=aggregates&interval=1m&points=${points}&format=csv&from=${iso(from)}&to=${iso(to)}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="aggregates-.*\.csv"$/);
    const [header, ...lines] = csv.body.trim().split('\n');
    expect(header).toBe('point_id,start_ms,end_ms,min,avg,max,count,good_count,completeness');
    const page = await pull<AggregatePage>(`/api/v1/aggregates?points=${points}&interval=1m&from=${iso(from)}&to=${iso(to)}`);
    const exported = lines.map((line) => line.split(','));
    // The minutes are closed and rolled up (or read from the same raw rows): the same figures, by interval then point.
    const byInterval = [...page.body.rows].sort((a, b) => a.start.localeCompare(b.start) || a.pointId.localeCompare(b.pointId));
    expect(exported.map(([pointId, start, , , , , count]) => [pointId, iso(Number(start)), Number(count)])).toEqual(byInterval.map((row) => [row.pointId, row.start, row.count]));
    for (const [query, field] of [
      [`what=aggregates&format=csv&from=${iso(from)}&to=${iso(to)}`, 'interval'],
      [`what=readings&interval=1m&format=csv&from=${iso(from)}&to=${iso(to)}`, 'interval'],
      [`what=aggregates&interval=1h&format=csv&from=${iso(from)}&to=${iso(to)}`, 'from'],
      [`what=aggregates&interval=1m&points=nope&format=csv&from=${iso(from)}&to=${iso(to)}`, 'points'],
      [`what=alarm_events&points=${points}&format=csv&from=${iso(from)}&to=${iso(to)}`, 'points'],
    ] as const) {
      expect(await pull(`/api/v1/export?${query}`), query).toMatchObject({ status: 400, body: { error: { code: 'HAZMON_API_INVALID', field } } });
    }
  });

  it('refuses a range over 31 days, naming to', async () => {
    expect(await pull('/api/v1/export?what=readings&format=csv&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z')).toMatchObject({ status: 400, body: { error: { field: 'to' } } });
  });
});

describe('the regulator route x credential matrix', () => {
  const start = minute(Date.now());
  const ROUTES = [
    '/api/v1/site',
    '/api/v1/site/plan',
    '/api/v1/points',
    '/api/v1/devices',
    '/api/v1/alarm-events?limit=3',
    `/api/v1/aggregates?interval=1m&from=${iso(start - 60_000)}&to=${iso(start)}`,
    `/api/v1/export?what=alarm_events&format=csv&from=${iso(start - 60_000)}&to=${iso(start)}`,
  ];

  it('no credentials 401; a bad or revoked token 401; a token 200; a session of every role 200', async () => {
    for (const path of ROUTES) {
      expect(await new WebClient(web.base, document).request('GET', path), path).toMatchObject({ status: 401, body: { error: { code: 'HAZMON_API_UNAUTHENTICATED', field: 'session' } } });
      for (const token of [revokedSecret, 'A'.repeat(43)]) expect(await pull(path, token), path).toMatchObject({ status: 401, body: { error: { field: 'Authorization' } } });
      expect((await pull(path)).status, path).toBe(200);
      for (const role of ROLE_NAMES) expect((await sessions[role].request('GET', path)).status, `${role} ${path}`).toBe(200);
    }
  });
});

describe('generated query params', () => {
  const AGGREGATE_PARAMS = ['points', 'interval', 'from', 'to', 'limit'] as const;
  const DEVICE_PARAMS = ['from', 'to'] as const;
  const EXPORT_PARAMS = ['what', 'format', 'from', 'to', 'interval', 'points'] as const;
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('1m', '1h', '1d', 'csv', 'parquet', 'readings', 'aggregates', 'alarm_events', '0', '-1', '99999', '1e3', 'GD-1.concentration', ',', ''),
    fc.date({ min: new Date(-1e14), max: new Date(3e14), noInvalidDate: true }).map((date) => date.toISOString()),
    fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((date) => new Date(Math.floor(date.getTime() / 3_600_000) * 3_600_000).toISOString()),
  );
  const query = (names: readonly string[]) => fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string({ minLength: 1, maxLength: 8 })), value, { maxKeys: 6 });

  for (const [path, names] of [
    ['/api/v1/aggregates', AGGREGATE_PARAMS],
    ['/api/v1/export', EXPORT_PARAMS],
    ['/api/v1/devices', DEVICE_PARAMS],
  ] as const) {
    it(`${path}: a 200 or a 400 naming a param, never a 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(query(names), async (params) => {
          const search = new URLSearchParams(params).toString();
          const answer = await pull<{ error?: { field?: string } }>(`${path}?${search}`);
          if (answer.status === 200) return;
          expect(answer.status, search).toBe(400);
          expect(Object.keys(params).concat([...names]), search).toContain(answer.body.error?.field);
        }),
        { numRuns: 60 },
      );
    }, 60_000);
  }
});

describe('GET /api/v1/devices over a period', () => {
  interface Devices {
    period: { from: string; to: string };
    devices: { id: string; comms: string; lastGoodReadingAt: number | null; disconnections: number; offlineHours: number }[];
  }
  const gd1 = (answer: Answer<Devices>) => answer.body.devices.find((device) => device.id === 'GD-1')!;
  type Points = { points: { id: string; device: string | null; pollIntervalMs: number; quality: string | null; receiveTime: number | null }[] };
  const gd1Points = async () => (await pull<Points>('/api/v1/points')).body.points.filter((point) => point.device === 'GD-1');

  it('counts a comms loss as one disconnection and its time as offline hours, from the stored comms_loss events', async () => {
    const from = iso(Date.now());
    // A good concentration reading well after GD-1's minute points were read and well before they are read again: the
    // last time the device was heard well is then that reading's or later, and a minute point's is earlier.
    const heardAt = await waitFor(
      'GD-1.concentration good between minute polls',
      async () => {
        const points = await gd1Points();
        const read = points.find((point) => point.id === 'GD-1.concentration')!;
        const minutePolled = Math.max(...points.filter((point) => point.pollIntervalMs === 60_000).map((point) => point.receiveTime ?? Number.NaN));
        const between = read.receiveTime! - minutePolled > 2000 && read.receiveTime! - minutePolled < 50_000;
        return read.quality === 'good' && between ? read.receiveTime! : undefined;
      },
      { timeoutMs: 20_000 },
    );
    web.plant.site.setCommsFault('GD-1', 'garbled');
    await waitFor('GD-1 in comms loss', async () => gd1(await pull<Devices>('/api/v1/devices')).comms === 'comms_loss', { timeoutMs: 20_000 });
    const lostAt = Date.now();
    // Once its 1 s and 10 s points read bad, the device still says when it was last heard well (the concentration's
    // last good reading at least): a regulator asks that of a device in comms loss above all. It gave the time of a
    // slow point still good, then null once every point was bad.
    await waitFor('GD-1.temperature bad', async () => (await gd1Points()).find((point) => point.id === 'GD-1.temperature')?.quality === 'bad', { timeoutMs: 30_000 });
    const lost = gd1(await pull<Devices>('/api/v1/devices'));
    expect(lost.comms).toBe('comms_loss');
    expect(lost.lastGoodReadingAt).toBeGreaterThanOrEqual(heardAt);
    expect(lost.lastGoodReadingAt).toBeLessThanOrEqual(lostAt);
    web.plant.site.setCommsFault('GD-1', 'none');
    await waitFor('GD-1 back', async () => gd1(await pull<Devices>('/api/v1/devices')).comms === 'ok', { timeoutMs: 30_000 });
    const backAt = Date.now();
    const answer = await pull<Devices>(`/api/v1/devices?from=${from}`);
    expect(answer.status).toBe(200);
    expect(answer.body.period.from).toBe(from);
    expect(gd1(answer).disconnections).toBe(1);
    // Offline from the alarm until the return hold (5 s) had passed: within what the test saw, give or take a poll.
    expect(gd1(answer).offlineHours * 3_600_000).toBeGreaterThan(backAt - lostAt - 2000);
    expect(gd1(answer).offlineHours * 3_600_000).toBeLessThan(backAt - Date.parse(from) + 1000);
    // Without a period: the last 30 days up to now.
    const { period } = (await pull<Devices>('/api/v1/devices')).body;
    expect(Date.parse(period.to) - Date.parse(period.from)).toBe(30 * 86_400_000);
    expect(await pull(`/api/v1/devices?from=${from}&to=${from}`)).toMatchObject({ status: 400, body: { error: { field: 'from' } } });
    expect(await pull('/api/v1/devices?from=2020-01-01T00:00:00Z&to=2022-01-01T00:00:00Z')).toMatchObject({ status: 400, body: { error: { field: 'to' } } });
  }, 60_000);
});
