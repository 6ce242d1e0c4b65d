/**
 * GET /api/v1/stream on the real server in the real agent: alarm events with their store seq as id and their alarm's
 * areas (as /api/v1/alarm-events gives them), readings coalesced
 * per point, and a reconnect with Last-Event-ID that gets every missed alarm event once before the live ones.
 */
import { MAX_STREAMS, type ReadingsData } from '@hazmon/dashboard';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, waitForRows } from '../agent/fixture.ts';
import { SseStream } from './sse-client.ts';
import { ALARMS, DocumentCheck, startWebPlant, USERS, WebClient, type WebPlant } from './web-fixture.ts';

let web: WebPlant;
let browser: WebClient;

/** Every stream a test opens, closed after it whatever happened, so a failed test leaves no stream holding a place. */
const opened: SseStream[] = [];
async function openStream(client: WebClient, lastEventId?: string): Promise<SseStream> {
  const stream = await SseStream.open(client.base, client.sessionCookie!, lastEventId);
  opened.push(stream);
  return stream;
}

const storedSeqs = async (after: number) => (await web.agent.reader.alarmEventsAfter(after, 10_000)).map((row) => row.seq);
const setGas = (value: number) => web.plant.site.device('GD-1').set('concentration', value);
const alarmState = (id: string) => web.agent.alarms().engine.find((alarm) => alarm.id === id);

beforeAll(async () => {
  web = await startWebPlant();
  browser = new WebClient(web.base, await DocumentCheck.load(web.base));
  expect((await browser.login(USERS.viewer)).status).toBe(200);
  await waitFor('lo raised at gas 0', () => alarmState(ALARMS.lo)?.conditionActive);
}, 60_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((stream) => stream.close()));
});

afterAll(async () => {
  await web?.close();
});

describe('the live stream', () => {
  it('sends alarm events as they are stored, with their seq as the id, and readings at most once per point per 250 ms', async () => {
    const stream = await openStream(browser);
    const hello = await stream.until('hello', (s) => s.events.find((event) => event.event === 'hello'));
    const start = Number(hello.id);
    // The last stored event when the stream began (the agent may store more meanwhile: an event-loop lag alarm on a loaded machine).
    expect(await storedSeqs(0)).toContain(start);
    setGas(30);
    const raised = await stream.until('hi raised', (s) => s.alarmEvents().find((event) => event.row.details.alarmId === ALARMS.hi && event.row.kind === 'raised'));
    expect(raised.id).toBe(String(raised.row.seq));
    // Sent live as the journal committed it: the fields and values of the row /api/v1/alarm-events gives, its areas too.
    const listed = await browser.request<{ events: unknown[] }>('GET', `/api/v1/alarm-events?after=${raised.row.seq - 1}&limit=1`);
    expect(raised.row).toEqual(listed.body.events[0]);
    expect(raised.row).toMatchObject({ pointId: 'GD-1.concentration', areas: ['house'] });
    const stored = await storedSeqs(start);
    expect(stream.alarmEvents().map((event) => event.row.seq)).toEqual(stored.slice(0, stream.alarmEvents().length));

    const readingsFrom = Date.now();
    const firstReadings = stream.events.filter((event) => event.event === 'readings').length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const readings = stream.events.filter((event) => event.event === 'readings').slice(firstReadings);
    const elapsed = Date.now() - readingsFrom;
    expect(readings.length).toBeGreaterThan(0);
    // One message per 250 ms window at most, each naming a point once.
    expect(readings.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
    const updates = readings.map((message) => JSON.parse(message.data) as ReadingsData);
    for (const data of updates) {
      expect(new Set(data.pointIds).size).toBe(data.pointIds.length);
      expect([data.values.length, data.times.length]).toEqual([data.pointIds.length, data.pointIds.length]);
    }
    const gas = updates.flatMap((data) => data.pointIds.flatMap((id, i) => (id === 'GD-1.concentration' ? [{ value: data.values[i], time: data.base + data.times[i]! }] : [])));
    expect(gas.at(-1)?.value).toBeCloseTo(30, 0);
    // The time is the gateway's receive time: within the window the message was read in.
    expect(gas.at(-1)!.time).toBeGreaterThan(readingsFrom - 5000);
    await stream.close();
  });

  it('after a disconnect, a reconnect with Last-Event-ID gets each missed alarm event once, then the live ones', async () => {
    const first = await openStream(browser);
    await first.until('hello', (s) => s.events.find((event) => event.event === 'hello'));
    setGas(0);
    await first.until('hi cleared', (s) => s.alarmEvents().find((event) => event.row.details.alarmId === ALARMS.hi && event.row.kind === 'cleared'));
    const lastSeen = first.alarmEvents().at(-1)!.id;
    await first.close();

    // While disconnected: a leak past hihi (hi, hihi, the shut-off) and its end.
    setGas(45);
    await waitFor('hihi raised', () => alarmState(ALARMS.hihi)?.conditionActive);
    setGas(0);
    await waitFor('hihi cleared', () => alarmState(ALARMS.hihi)?.conditionActive === false);
    const missed = await waitForRows(
      () => storedSeqs(Number(lastSeen)),
      (rows) => rows.length >= 4,
    );
    expect(missed.length).toBeGreaterThanOrEqual(4);

    const second = await openStream(browser, lastSeen);
    await second.until('the missed events', (s) => s.alarmEvents().length >= missed.length);
    setGas(30);
    await waitFor('hi raised again', () => alarmState(ALARMS.hi)?.conditionActive);
    const afterLive = await waitForRows(
      () => storedSeqs(Number(lastSeen)),
      (rows) => rows.length > missed.length,
    );
    await second.until('the live events', (s) => s.alarmEvents().length >= afterLive.length);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = second.alarmEvents().map((event) => event.row.seq);
    expect(received).toEqual(await storedSeqs(Number(lastSeen)));
    expect(new Set(received).size).toBe(received.length);
    expect(second.alarmEvents().every((event) => event.id === String(event.row.seq))).toBe(true);
    // Replayed and live rows alike carry their alarm's areas: the gas point's and its valve's are the house.
    const pageOf = await browser.request<{ events: { seq: number; areas: string[] }[] }>('GET', `/api/v1/alarm-events?after=${lastSeen}&limit=1000`);
    expect(second.alarmEvents().map((event) => [event.row.seq, event.row.areas])).toEqual(pageOf.body.events.map((event) => [event.seq, event.areas]));
    expect(second.alarmEvents().some((event) => event.row.areas.includes('house'))).toBe(true);
    await second.close();
  }, 60_000);

  it('refuses a Last-Event-ID that names no stored event, or is not a seq, naming the header', async () => {
    for (const lastEventId of ['99999999', 'abc', '-1', '1e3']) {
      const response = await fetch(`${web.base}/api/v1/stream`, { headers: { Cookie: browser.sessionCookie!, 'Last-Event-ID': lastEventId } });
      expect(response.status, lastEventId).toBe(400);
      expect(((await response.json()) as { error: { field: string } }).error.field.toLowerCase()).toBe('last-event-id');
    }
  });

  it('holds at most 64 streams (503 beyond), and a client going away frees its place', async () => {
    const streams = await Promise.all(Array.from({ length: MAX_STREAMS }, () => openStream(browser)));
    const refused = await fetch(`${web.base}/api/v1/stream`, { headers: { Cookie: browser.sessionCookie! } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: { code: 'HAZMON_API_BUSY' } });
    await Promise.all(streams.map((stream) => stream.close()));
    // The server hears of each disconnect a moment later: retry until a place is free, within the test's time.
    let status = 0;
    while (status !== 200) {
      const response = await fetch(`${web.base}/api/v1/stream`, { headers: { Cookie: browser.sessionCookie! } });
      status = response.status;
      await response.body?.cancel();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 30_000);

  it('ends when its session is signed out', async () => {
    const other = new WebClient(web.base, await DocumentCheck.load(web.base));
    await other.login(USERS.operator);
    const stream = await openStream(other);
    await stream.until('readings', (s) => s.events.some((event) => event.event === 'readings'));
    expect((await other.request('DELETE', '/api/v1/session')).status).toBe(204);
    await stream.until('the end of the stream', (s) => s.ended, 5_000);
  });
});
