/**
 * The areas of alarms tied to no one point, on the real server in the real agent: a vote (the kitchen's two-detector
 * confirmation in the demo plant), the latch and the shut-off discrepancy of the valve it closes, and the valve's comms
 * loss each carry the area they act in, in the alarm list, in the stored alarm history and in the area's warning grade.
 * Without them a person narrowing the alarm list to the area saw none of them (the banner still sounded the vote).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { DocumentCheck, startWebPlant, USERS, WebClient, type WebPlant, VOTE_ALARM, withVoteTrip } from './web-fixture.ts';

const LATCH = 'close-gas/latched';
const DISCREPANCY = 'XV-1/shutoff_discrepancy';
const VALVE_COMMS = 'XV-1/comms_loss';

let web: WebPlant;
let viewer: WebClient;

beforeAll(async () => {
  web = await startWebPlant({}, undefined, withVoteTrip);
  viewer = new WebClient(web.base, await DocumentCheck.load(web.base));
  expect((await viewer.login(USERS.viewer)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await web?.close();
});

interface ListedAlarm {
  id: string;
  areas: string[];
}

async function listedAreas(): Promise<Map<string, string[]>> {
  const answer = await viewer.request<{ engine: ListedAlarm[]; runtime: ListedAlarm[] }>('GET', '/api/v1/alarms');
  expect(answer.status).toBe(200);
  return new Map([...answer.body.engine, ...answer.body.runtime].map((alarm) => [alarm.id, alarm.areas]));
}

interface StoredEvent {
  pointId: string | null;
  ruleId: string;
  kind: string;
  areas: string[];
}

async function storedEvents(): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const page = await viewer.request<{ events: StoredEvent[]; next: number }>('GET', `/api/v1/alarm-events?after=${after}&limit=1000`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    if (page.body.events.length < 1000) return events;
    after = page.body.next;
  }
}

describe('the areas of alarms tied to no one point', () => {
  it("lists the vote, the valve's latch and its discrepancy under the area the vote's detectors are in", async () => {
    web.plant.site.device('XV-1').set('stuckOpen', 1);
    web.plant.site.device('GD-1').set('concentration', 45);
    const areas = await waitFor(
      'the vote, the latch and the discrepancy listed',
      async () => {
        const listed = await listedAreas();
        return [VOTE_ALARM, LATCH, DISCREPANCY].every((id) => listed.has(id)) ? listed : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect([VOTE_ALARM, LATCH, DISCREPANCY].map((id) => [id, areas.get(id)])).toEqual([
      [VOTE_ALARM, ['house']],
      [LATCH, ['house']],
      [DISCREPANCY, ['house']],
    ]);
    expect(areas.get('GD-1.concentration/hihi')).toEqual(['house']);
  }, 40_000);

  it("grades the area red and leaves the other area's grade normal", async () => {
    const site = await viewer.request<{ areas: { id: string; warningGrade: string }[] }>('GET', '/api/v1/site');
    expect(site.status).toBe(200);
    expect(site.body.areas.map((area) => [area.id, area.warningGrade])).toEqual([
      ['house', 'red'],
      ['yard', 'normal'],
    ]);
  });

  it("gives the stored events of the vote, the valve's command and its discrepancy the area too (the rows keep none: read from the config)", async () => {
    const events = await waitFor('the discrepancy stored', async () => {
      const stored = await storedEvents();
      return stored.some((event) => event.pointId === 'XV-1' && event.ruleId === 'shutoff_discrepancy') ? stored : undefined;
    });
    const areasOf = (pointId: string, ruleId: string) => [...new Set(events.filter((event) => event.pointId === pointId && event.ruleId === ruleId).map((event) => event.areas.join(',')))];
    expect(areasOf('gas-vote', 'vote')).toEqual(['house']);
    expect(areasOf('XV-1', 'close-gas')).toEqual(['house']);
    expect(areasOf('XV-1', 'shutoff_discrepancy')).toEqual(['house']);
    expect(areasOf('XV-1', 'latched')).toEqual(['house']);
    // Nothing lands in the area it does not belong to.
    expect(events.filter((event) => event.areas.includes('yard'))).toEqual([]);
  });

  it("lists a comms loss of the valve's device under the area the valve shuts off", async () => {
    web.plant.site.setCommsFault('XV-1', 'noAnswer');
    const areas = await waitFor('the valve in comms loss', async () => (await listedAreas()).get(VALVE_COMMS), { timeoutMs: 20_000 });
    expect(areas).toEqual(['house']);
    web.plant.site.setCommsFault('XV-1', 'none');
  }, 30_000);
});
