/**
 * The dashboard's pages read the API's answers through types of their own (ui/src/api/types.ts: the browser bundle
 * carries no zod). These checks have the type check refuse a server schema that sends what the pages do not expect:
 * each answer the schema allows must be a value of the page's type.
 */
import type { z } from '@hono/zod-openapi';
import { describe, expectTypeOf, it } from 'vitest';
import type * as Page from '../ui/src/api/types.ts';
import type { DeviceListSchema, PointFixedListSchema, PointLiveListSchema, RegulatorPointListSchema, SiteSchema } from './regulator/schemas.ts';
import type { AlarmHealthSchema } from './routes/alarm-health.ts';
import type { AuditPageSchema } from './routes/audit.ts';
import type { ShiftReportSchema } from './routes/shift-report.ts';
import type { TrendSchema } from './routes/trends.ts';
import type { ActionListSchema, AlarmEventPageSchema, AlarmListSchema } from './schemas.ts';

type Answer<Schema extends z.ZodType> = z.output<Schema>;

describe("the pages' types of the API's answers", () => {
  it('take every answer the live routes allow', () => {
    expectTypeOf<Answer<typeof AlarmListSchema>>().toExtend<Page.AlarmList>();
    expectTypeOf<Answer<typeof ActionListSchema>>().toExtend<{ actions: readonly Page.Action[] }>();
    expectTypeOf<Answer<typeof PointLiveListSchema>>().toExtend<{ points: readonly Page.PointLive[] }>();
    expectTypeOf<Answer<typeof PointFixedListSchema>>().toExtend<{ points: readonly Page.PointFixed[] }>();
    expectTypeOf<Answer<typeof RegulatorPointListSchema>['points'][number]>().toExtend<Page.PointDetails>();
    expectTypeOf<Answer<typeof DeviceListSchema>>().toExtend<{ devices: readonly Page.Device[] }>();
    expectTypeOf<Answer<typeof SiteSchema>>().toExtend<Page.Site>();
  });

  it('take every answer the history routes allow', () => {
    expectTypeOf<Answer<typeof AlarmEventPageSchema>>().toExtend<{ events: readonly Page.AlarmEvent[]; next: number }>();
    expectTypeOf<Answer<typeof TrendSchema>>().toExtend<Page.Trend>();
    expectTypeOf<Answer<typeof AuditPageSchema>>().toExtend<Page.AuditPage>();
    expectTypeOf<Answer<typeof AlarmHealthSchema>>().toExtend<Page.AlarmHealth>();
    expectTypeOf<Answer<typeof ShiftReportSchema>>().toExtend<Page.ShiftReport>();
  });
});
