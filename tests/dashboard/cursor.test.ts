/**
 * The alarm-events cursor as a property, on the real server in the real agent (real DuckDB file): while people
 * append events (handling records, acknowledgements) between and during a client's page requests, the client pages
 * through `GET /api/v1/alarm-events?after=&limit=` with random page sizes; the pages joined equal the stored table
 * after the start, in seq order: no gap, no repeat. Newest first (`order=newest&before=`), pages going back join
 * equal the table below the first page's newest, in reverse.
 */
import { type AlarmEventRow, alarmAreas } from '@hazmon/agent';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALARMS, type WebClient, type WebPlant, startWebPlantWithAdmin } from './web-fixture.ts';

let web: WebPlant;
let admin: WebClient;

beforeAll(async () => {
  ({ web, admin } = await startWebPlantWithAdmin());
}, 60_000);

afterAll(async () => {
  await web?.close();
});

interface Page {
  events: AlarmEventRow[];
  next: number;
}

/** A stored row as the route gives it: with its alarm's areas last, from the running config. */
const withAreas = (row: AlarmEventRow) => ({ ...row, areas: alarmAreas(web.agent.config).ofEvent(row.pointId, row.ruleId) });

/** One step of the run: a page request of `limit`, with `appends` records sent at the same time. */
const step = fc.record({ limit: fc.integer({ min: 1, max: 7 }), appends: fc.integer({ min: 0, max: 3 }), ack: fc.boolean() });

function append(index: number, ack: boolean): Promise<unknown> {
  const alarmId = encodeURIComponent(ALARMS.lo);
  if (ack) return admin.request('POST', `/api/v1/alarms/${alarmId}/ack`, { body: { comment: `cursor run ${index}` } });
  return admin.request('POST', `/api/v1/alarms/${alarmId}/handling`, { body: { found: `run ${index}`, done: 'nothing', result: 'checked' } });
}

describe('GET /api/v1/alarm-events while events are appended', () => {
  it('pages joined equal the stored table: no gap, no repeat', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const [last] = (await web.agent.reader.alarmEventsAfter(0, 10_000)).slice(-1);
        const start = last?.seq ?? 0;
        const received: AlarmEventRow[] = [];
        let after = start;
        let appended = 0;
        let handled = 0;
        for (const { limit, appends, ack } of steps) {
          if (!ack) handled += appends;
          const writes = Array.from({ length: appends }, () => append(appended++, ack));
          const page = await admin.request<Page>('GET', `/api/v1/alarm-events?after=${after}&limit=${limit}`);
          expect(page.status).toBe(200);
          expect(page.body.events.length).toBeLessThanOrEqual(limit);
          received.push(...page.body.events);
          after = page.body.next;
          await Promise.all(writes);
        }
        // Every append answered (so is stored); read on to the end.
        for (;;) {
          const page = await admin.request<Page>('GET', `/api/v1/alarm-events?after=${after}&limit=5`);
          received.push(...page.body.events);
          if (page.body.events.length === 0) break;
          after = page.body.next;
        }
        const stored = (await web.agent.reader.alarmEventsAfter(start, 10_000)).filter((row) => row.seq <= after);
        expect(received.map((row) => row.seq)).toEqual(stored.map((row) => row.seq));
        expect(received).toEqual(stored.map(withAreas));
        expect(received.filter((row) => row.kind === 'handled' && row.who === 'root')).toHaveLength(handled);
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});

describe('GET /api/v1/alarm-events newest first while events are appended', () => {
  it('pages back from the newest joined equal the stored table up to the first page, newest first: no gap, no repeat', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const received: AlarmEventRow[] = [];
        let cursor = '';
        let appended = 0;
        for (const { limit, appends, ack } of steps) {
          const writes = Array.from({ length: appends }, () => append(appended++, ack));
          const page = await admin.request<Page>('GET', `/api/v1/alarm-events?order=newest&limit=${limit}${cursor}`);
          expect(page.status).toBe(200);
          expect(page.body.events.length).toBeLessThanOrEqual(limit);
          received.push(...page.body.events);
          cursor = `&before=${page.body.next}`;
          await Promise.all(writes);
          if (page.body.events.length < limit) break;
        }
        // Events appended meanwhile are newer than the first page: the pages hold the table's newest as of that page, going back.
        const top = received[0]?.seq ?? 0;
        const expected = (await web.agent.reader.alarmEventsAfter(0, 10_000)).filter((row) => row.seq <= top && row.seq >= (received.at(-1)?.seq ?? 0)).reverse();
        expect(received.map((row) => row.seq)).toEqual(expected.map((row) => row.seq));
        expect(received).toEqual(expected.map(withAreas));
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});

describe('GET /api/v1/alarm-events, the answer', () => {
  /** The answer's text as sent (the client's request() gives it parsed). */
  async function answerText(path: string): Promise<{ status: number; text: string }> {
    const answer = await fetch(`${web.base}${path}`, { headers: { Cookie: admin.sessionCookie! } });
    expect(answer.headers.get('content-type')).toBe('application/json');
    return { status: answer.status, text: await answer.text() };
  }

  it('is what JSON.stringify wrote of the stored events, to the byte; a cursor beyond every event is refused', async () => {
    const stored = await web.agent.reader.alarmEventsAfter(0, 10_000);
    expect(stored.length).toBeGreaterThan(2);
    for (const [after, limit] of [
      [0, 2],
      [stored[0]!.seq, 1],
      [stored[1]!.seq - 1, 1],
    ] as const) {
      const events = await web.agent.reader.alarmEventsAfter(after, limit);
      expect(await answerText(`/api/v1/alarm-events?after=${after}&limit=${limit}`)).toEqual({ status: 200, text: JSON.stringify({ events: events.map(withAreas), next: events.at(-1)!.seq }) });
    }
    const newest = await web.agent.reader.alarmEventsBefore(Number.MAX_SAFE_INTEGER, 2);
    expect(newest[0]!.seq).toBe(stored.at(-1)!.seq);
    expect(await answerText('/api/v1/alarm-events?order=newest&limit=2')).toEqual({ status: 200, text: JSON.stringify({ events: newest.map(withAreas), next: newest.at(-1)!.seq }) });
    for (const [before, limit] of [
      [stored[1]!.seq, 1000],
      [999_999_999, 1],
      [stored[0]!.seq, 5],
    ] as const) {
      const events = await web.agent.reader.alarmEventsBefore(before, limit);
      const next = events.at(-1)?.seq ?? before;
      expect(await answerText(`/api/v1/alarm-events?order=newest&before=${before}&limit=${limit}`)).toEqual({ status: 200, text: JSON.stringify({ events: events.map(withAreas), next }) });
    }
    const beyond = await answerText('/api/v1/alarm-events?after=999999999&limit=5');
    expect(beyond.status).toBe(400);
    expect(JSON.parse(beyond.text)).toMatchObject({ error: { code: 'HAZMON_API_INVALID', message: expect.stringContaining('after: no alarm event has seq 999999999') } });
  });
});
