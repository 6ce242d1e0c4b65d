/**
 * The bureau's page reads the hub API's answers through types of its own (ui/src/api-types.ts: the browser bundle
 * carries no zod). These checks have the type check refuse a hub schema that sends what the page does not expect:
 * each answer the schema allows must be a value of the page's type.
 */
import type { z } from '@hono/zod-openapi';
import { describe, expectTypeOf, it } from 'vitest';
import type * as Page from '../../ui/src/api-types.ts';
import type { AggregatesSchema, AlarmEventPageSchema, CompletenessSchema, PointPageSchema, SiteListSchema } from './schemas.ts';

type Answer<Schema extends z.ZodType> = z.output<Schema>;

describe("the bureau page's types of the hub API's answers", () => {
  it('take every answer the schemas allow', () => {
    expectTypeOf<Answer<typeof SiteListSchema>['sites'][number]>().toExtend<Page.HubSite>();
    expectTypeOf<Answer<typeof CompletenessSchema>>().toExtend<{ gateways: readonly Page.GatewayCompleteness[] }>();
    expectTypeOf<Answer<typeof AlarmEventPageSchema>>().toExtend<{ events: readonly Page.HubEvent[] }>();
    expectTypeOf<Answer<typeof PointPageSchema>>().toExtend<{ points: readonly Page.HubPoint[]; next: string | null }>();
    expectTypeOf<Answer<typeof AggregatesSchema>>().toExtend<Page.Aggregates>();
  });
});
