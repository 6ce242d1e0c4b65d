/**
 * Generated bad input on the real server in the real agent: command bodies with a wrong type, an out-of-range or huge
 * value, a missing or an unknown field, and query params that are no cursor or page size. Each is always a 4xx in the
 * one error shape naming the field it broke, never a 5xx, and nothing stored or held by the agent changes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notAString, tooLong } from './bad-input.ts';
import { ALARMS, expectNoMarks, peoplesMarks, startWebPlantWithAdmin, type WebClient, type WebPlant } from './web-fixture.ts';

let web: WebPlant;
let admin: WebClient;
const RUNS = 60;

beforeAll(async () => {
  ({ web, admin } = await startWebPlantWithAdmin());
}, 60_000);

afterAll(async () => {
  await web?.close();
});

const badReason = fc.oneof(notAString, fc.constant(''), fc.stringMatching(/^[ \t\n]{1,20}$/), tooLong(500, 3000));
const badComment = fc.oneof(notAString, tooLong(500, 3000));
const badMinutes = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 1441 }),
  fc.double({ min: 1, max: 1440, noNaN: true }).filter((value) => !Number.isInteger(value)),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
);
const validReason = fc.string({ minLength: 1, maxLength: 500 }).filter((text) => text.trim().length > 0);

/** A command body: a valid one for each field, what may break each field, and which fields must be there. */
interface BodySpec {
  readonly path: string;
  readonly valid: Record<string, fc.Arbitrary<unknown>>;
  readonly bad: Record<string, fc.Arbitrary<unknown>>;
  readonly required: readonly string[];
}

const alarmPath = (word: string) => `/api/v1/alarms/${encodeURIComponent(ALARMS.lo)}/${word}`;
const SPECS: readonly BodySpec[] = [
  { path: alarmPath('ack'), valid: { comment: validReason }, bad: { comment: badComment }, required: [] },
  { path: alarmPath('shelve'), valid: { reason: validReason, minutes: fc.integer({ min: 1, max: 1440 }) }, bad: { reason: badReason, minutes: badMinutes }, required: ['reason', 'minutes'] },
  { path: alarmPath('unshelve'), valid: { reason: validReason }, bad: { reason: badReason }, required: [] },
  { path: alarmPath('out-of-service'), valid: { reason: validReason }, bad: { reason: badReason }, required: ['reason'] },
  { path: alarmPath('return-to-service'), valid: { reason: validReason }, bad: { reason: badReason }, required: [] },
  { path: '/api/v1/actions/close-gas/reset', valid: { reason: validReason }, bad: { reason: badReason }, required: ['reason'] },
  {
    path: '/api/v1/devices/GD-1/upkeep',
    // Valid times long past, a due date after them: only the broken field can be what the answer names.
    valid: {
      kind: fc.constantFrom('bump_test', 'calibration'),
      at: fc.integer({ min: 0, max: 10 ** 12 }),
      result: fc.constantFrom('pass', 'fail', 'adjusted'),
      notes: validReason,
      nextDue: fc.integer({ min: 10 ** 12 + 1, max: 2 * 10 ** 12 }),
    },
    bad: {
      kind: fc.oneof(notAString, fc.constantFrom('', 'bump', 'Calibration', 'proof_test')),
      at: fc.oneof(
        badMinutes.filter((value) => typeof value !== 'number' || !Number.isInteger(value) || value > 8.64e15),
        fc.integer({ max: -1 }),
      ),
      result: fc.oneof(notAString, fc.constantFrom('', 'ok', 'PASS')),
      notes: fc.oneof(notAString, fc.constant(''), tooLong(2000, 3000)),
      nextDue: fc.oneof(
        fc.integer({ max: -1 }),
        fc.string(),
        fc.constant(null),
        fc.double({ min: 1, max: 1e12, noNaN: true }).filter((value) => !Number.isInteger(value)),
      ),
    },
    required: ['kind', 'at', 'result'],
  },
];

/** A body with exactly one thing wrong, and the field the answer must name. */
function brokenBody(spec: BodySpec): fc.Arbitrary<{ body: unknown; field: string }> {
  const valid = fc.record(spec.valid);
  const names = Object.keys(spec.valid);
  const wrongValue = fc.constantFrom(...Object.keys(spec.bad)).chain((field) => fc.tuple(valid, spec.bad[field]!).map(([body, value]) => ({ body: { ...body, [field]: value }, field })));
  const unknownField = fc
    .tuple(
      valid,
      fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('__proto__', 'constructor', 'toString')).filter((name) => !names.includes(name)),
      fc.jsonValue(),
    )
    .map(([body, field, value]) => ({ body: { ...body, [field]: value }, field }));
  const kinds = [wrongValue, unknownField];
  if (spec.required.length > 0) {
    kinds.push(fc.tuple(valid, fc.constantFrom(...spec.required)).map(([body, field]) => ({ body: Object.fromEntries(Object.entries(body).filter(([name]) => name !== field)), field })));
  }
  return fc.oneof(...kinds);
}

function expectRefusal(answer: { status: number; body: unknown }, field: string, what: string): void {
  expect(answer.status, what).toBeGreaterThanOrEqual(400);
  expect(answer.status, what).toBeLessThan(500);
  expect(answer.body, what).toMatchObject({ error: { code: 'HAZMON_API_INVALID', message: expect.any(String), field } });
}

describe('command bodies', () => {
  for (const spec of SPECS) {
    it(`POST ${spec.path}: one broken field is a 400 naming it, and changes nothing`, async () => {
      const before = await peoplesMarks(web.agent);
      await fc.assert(
        fc.asyncProperty(brokenBody(spec), async ({ body, field }) => {
          const answer = await admin.request('POST', spec.path, { rawBody: JSON.stringify(body) });
          expectRefusal(answer, field, JSON.stringify(body).slice(0, 200));
        }),
        { numRuns: RUNS },
      );
      await expectNoMarks(web.agent, before);
    }, 60_000);
  }

  it('a body that is no JSON object (an array, a string, a number, null) is a 400 naming the body', async () => {
    const before = await peoplesMarks(web.agent);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.string(), fc.double(), fc.boolean(), fc.constant(null)),
        fc.constantFrom(...SPECS.map((spec) => spec.path)),
        async (body, path) => {
          expectRefusal(await admin.request('POST', path, { rawBody: JSON.stringify(body) }), 'body', `${path} ${JSON.stringify(body)}`);
        },
      ),
      { numRuns: RUNS },
    );
    await expectNoMarks(web.agent, before);
  }, 60_000);

  it('an alarm id past 200 characters is a 400 naming alarmId', async () => {
    const before = await peoplesMarks(web.agent);
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 201, maxLength: 1000 }), async (alarmId) => {
        expectRefusal(await admin.request('POST', `/api/v1/alarms/${encodeURIComponent(alarmId)}/ack`, { body: {} }), 'alarmId', alarmId.slice(0, 50));
      }),
      { numRuns: 20 },
    );
    await expectNoMarks(web.agent, before);
  }, 60_000);
});

describe('query params of GET /api/v1/alarm-events', () => {
  const notASeq = fc.oneof(
    fc.integer({ max: -1 }).map(String),
    fc
      .double({ noNaN: true })
      .filter((value) => !Number.isInteger(value))
      .map(String),
    fc.bigInt({ min: 10n ** 15n, max: 10n ** 30n }).map(String),
    fc.constantFrom('', '01', '1e3', ' 1', '0x10', 'NaN', 'Infinity', '١٢'),
    fc.string().filter((text) => !/^(0|[1-9][0-9]{0,14})$/.test(text)),
  );
  const badLimit = fc.oneof(notASeq, fc.constant('0'), fc.integer({ min: 1001, max: 10 ** 9 }).map(String));

  const badOrder = fc.string().filter((text) => text !== 'oldest' && text !== 'newest');

  it('a bad cursor, page size, order, a cursor of the other order or an unknown param is a 400 naming it, never a 5xx', async () => {
    const broken = fc.oneof(
      notASeq.map((value) => ({ params: { after: value }, field: 'after' })),
      badLimit.map((value) => ({ params: { after: '0', limit: value }, field: 'limit' })),
      notASeq.map((value) => ({ params: { order: 'newest', before: value }, field: 'before' })),
      badLimit.map((value) => ({ params: { order: 'newest', limit: value }, field: 'limit' })),
      badOrder.map((value) => ({ params: { order: value, limit: '5' }, field: 'order' })),
      fc.nat().map((seq) => ({ params: { order: 'newest', after: String(seq) }, field: 'after' })),
      fc.constantFrom(undefined, 'oldest').chain((order) => fc.nat().map((seq) => ({ params: { ...(order === undefined ? {} : { order }), before: String(seq) }, field: 'before' }))),
      fc
        .tuple(
          fc.string({ minLength: 1, maxLength: 20 }).filter((name) => !['after', 'before', 'order', 'limit'].includes(name)),
          fc.string(),
        )
        .map(([name, value]) => ({ params: { [name]: value }, field: name })),
    );
    await fc.assert(
      fc.asyncProperty(broken, async ({ params, field }) => {
        const query = new URLSearchParams(params).toString();
        expectRefusal(await admin.request('GET', `/api/v1/alarm-events?${query}`), field, query);
      }),
      { numRuns: RUNS * 2 },
    );
  }, 60_000);
});

describe('query params of GET /api/v1/actions', () => {
  it('takes none: any param is a 400 naming it, never a 5xx', async () => {
    const param = fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(param, async ([name, value]) => {
        const query = new URLSearchParams({ [name]: value }).toString();
        expectRefusal(await admin.request('GET', `/api/v1/actions?${query}`), name, query);
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});
