/**
 * Generated bad input on the history routes of the real server in the real agent: handling bodies with one broken,
 * missing or unknown field, and query params of trends, audit and alarm health that are no time, no range, no page
 * size or no param at all. Each is a 4xx in the one error shape naming the field, never a 5xx, and nothing stored
 * or held by the agent changes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notAString, tooLong } from './bad-input.ts';
import { ALARMS, expectNoMarks, peoplesMarks, startWebPlantWithAdmin, type WebClient, type WebPlant } from './web-fixture.ts';

let web: WebPlant;
let admin: WebClient;
const RUNS = 60;
const GAS = 'GD-1.concentration';
const DAY_MS = 86_400_000;

beforeAll(async () => {
  ({ web, admin } = await startWebPlantWithAdmin());
}, 60_000);

afterAll(async () => {
  await web?.close();
});

function expectRefusal(answer: { status: number; body: unknown }, field: string, what: string): void {
  expect(answer.status, what).toBeGreaterThanOrEqual(400);
  expect(answer.status, what).toBeLessThan(500);
  expect(answer.body, what).toMatchObject({ error: { code: 'HAZMON_API_INVALID', message: expect.any(String), field } });
}

const badText = fc.oneof(notAString, fc.constant(''), fc.stringMatching(/^[ \t\n]{1,20}$/), tooLong(2000, 4000));
const validText = fc.string({ minLength: 1, maxLength: 2000 }).filter((text) => text.trim().length > 0);
const HANDLING_FIELDS = ['found', 'done', 'result'] as const;

describe('POST /api/v1/alarms/{alarmId}/handling', () => {
  it('one broken, missing or unknown field is a 400 naming it, and stores nothing', async () => {
    const valid = fc.record({ found: validText, done: validText, result: validText });
    const broken = fc.oneof(
      fc.tuple(valid, fc.constantFrom(...HANDLING_FIELDS), badText).map(([body, field, value]) => ({ body: { ...body, [field]: value }, field })),
      fc.tuple(valid, fc.constantFrom(...HANDLING_FIELDS)).map(([body, field]) => ({ body: Object.fromEntries(Object.entries(body).filter(([name]) => name !== field)), field })),
      fc
        .tuple(
          valid,
          fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('__proto__', 'constructor')).filter((name) => !(HANDLING_FIELDS as readonly string[]).includes(name)),
          fc.jsonValue(),
        )
        .map(([body, field, value]) => ({ body: { ...body, [field]: value }, field })),
    );
    const before = await peoplesMarks(web.agent);
    await fc.assert(
      fc.asyncProperty(broken, async ({ body, field }) => {
        const answer = await admin.request('POST', `/api/v1/alarms/${encodeURIComponent(ALARMS.lo)}/handling`, { rawBody: JSON.stringify(body) });
        expectRefusal(answer, field, JSON.stringify(body).slice(0, 200));
      }),
      { numRuns: RUNS },
    );
    await expectNoMarks(web.agent, before);
  }, 60_000);
});

const notATime = fc.oneof(
  fc.integer({ max: -1 }).map(String),
  fc
    .double({ noNaN: true })
    .filter((value) => !Number.isInteger(value))
    .map(String),
  fc.bigInt({ min: 10n ** 15n, max: 10n ** 30n }).map(String),
  fc.constantFrom('', '01', '1e3', ' 1', '0x10', 'NaN', 'Infinity', '2026-01-01'),
  fc.string().filter((text) => !/^(0|[1-9][0-9]{0,14})$/.test(text)),
);
const badCount = (max: number) => fc.oneof(notATime, fc.constant('0'), fc.integer({ min: max + 1, max: 10 ** 9 }).map(String));

/** No order of a page by seq (`oldest`, `newest`). */
const badOrder = fc.oneof(fc.constantFrom('', 'desc', 'asc', 'Newest', 'newest ', 'NEWEST'), fc.string()).filter((text) => text !== 'oldest' && text !== 'newest');

/** A valid query of each route, and what may break each param. */
interface QuerySpec {
  readonly path: string;
  readonly valid: () => Record<string, string>;
  readonly bad: Record<string, fc.Arbitrary<string>>;
}

const range = () => {
  const now = Date.now();
  return { from: String(now - DAY_MS), to: String(now) };
};
/** A `to` that breaks the range: before from, under a minute after it, or more than 366 days after it. */
const badTo = fc.constantFrom(-DAY_MS, 0, 59_999, 367 * DAY_MS).map((offset) => String(Date.now() - DAY_MS + offset));
const SPECS: readonly QuerySpec[] = [
  {
    path: '/api/v1/trends',
    valid: () => ({ points: GAS, ...range(), buckets: '100' }),
    bad: { points: fc.oneof(fc.constant(''), fc.constantFrom('GD-9.none', `${GAS},nope`, ',')), from: notATime, to: fc.oneof(notATime, badTo), buckets: badCount(2000) },
  },
  {
    path: '/api/v1/audit',
    valid: () => ({ ...range(), who: 'op', action: 'alarm_command', order: 'oldest', after: '0', limit: '10' }),
    bad: { from: notATime, to: notATime, after: notATime, limit: badCount(1000), who: fc.constantFrom('', 'x'.repeat(101)), order: badOrder, before: fc.oneof(notATime, fc.constant('5')) },
  },
  {
    path: '/api/v1/audit',
    valid: () => ({ ...range(), order: 'newest', before: '5', limit: '10' }),
    bad: { order: badOrder, before: notATime, after: fc.oneof(notATime, fc.constant('0')) },
  },
  { path: '/api/v1/alarm-health', valid: range, bad: { from: notATime, to: fc.oneof(notATime, badTo) } },
  { path: '/api/v1/shift-report', valid: range, bad: { from: notATime, to: fc.oneof(notATime, badTo, fc.constant(String(Date.now() + 31 * DAY_MS))) } },
  { path: '/api/v1/upkeep', valid: () => ({ device: 'GD-1' }), bad: { device: fc.constantFrom('', 'x'.repeat(201)) } },
];

describe('query params', () => {
  for (const spec of SPECS) {
    it(`GET ${spec.path}?${new URLSearchParams(spec.valid()).toString().replace(/=[^&]*/g, '')}: one bad or unknown param is a 400 naming it, never a 5xx`, async () => {
      const names = Object.keys(spec.valid());
      const broken = fc.oneof(
        fc.constantFrom(...Object.keys(spec.bad)).chain((field) => spec.bad[field]!.map((value) => ({ params: { ...spec.valid(), [field]: value }, field }))),
        fc
          .tuple(
            fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !names.includes(name)),
            fc.string(),
          )
          .map(([name, value]) => ({ params: { ...spec.valid(), [name]: value }, field: name })),
      );
      const before = await peoplesMarks(web.agent);
      await fc.assert(
        fc.asyncProperty(broken, async ({ params, field }) => {
          const query = new URLSearchParams(params).toString();
          expectRefusal(await admin.request('GET', `${spec.path}?${query}`), field, query);
        }),
        { numRuns: RUNS },
      );
      await expectNoMarks(web.agent, before);
    }, 60_000);
  }
});
