/** Alarm history in pages by store seq: ordered, resumable from any page's `next`, no gaps and no repeats. */
import { alarmAreas } from '@hazmon/agent';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { ROLES } from '../access.ts';
import type { AppEnv, ContextOf } from '../context.ts';
import { allowRegulator } from '../regulator-access.ts';
import { alarmEventsJsonAfterCursor } from '../cursor.ts';
import { JSON_TYPE } from '../json-bytes.ts';
import { seqCursorOf } from '../query-params.ts';
import { ALARM_EVENT_PAGE, AlarmEventPageSchema, AlarmEventsQuery } from '../schemas.ts';
import { errorResponses, json, REGULATOR_SECURITY } from './openapi.ts';

export function registerAlarmEventRoutes(app: OpenAPIHono<AppEnv>, contextOf: ContextOf): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alarm-events',
      summary: 'Stored alarm events with seq > after, oldest first (or with seq < before, newest first); pass `next` as the cursor for the following page',
      description: `A regulator token, or a session of role ${ROLES.read.join(', ')}.`,
      middleware: [allowRegulator(contextOf)] as const,
      security: REGULATOR_SECURITY,
      request: { query: AlarmEventsQuery },
      responses: { 200: { description: 'A page of events', content: json(AlarmEventPageSchema) }, ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { api } = contextOf();
      const query = c.req.valid('query');
      const cursor = seqCursorOf(query);
      const limit = Number(query.limit ?? ALARM_EVENT_PAGE.default);
      // The events' JSON text as DuckDB wrote it: no object per event (AlarmEventPageSchema's shape, key for key). The
      // stored rows keep no area: each event's are worked out from the config running now. A `before` beyond every
      // event needs no check: the page below it skips nothing.
      const areas = alarmAreas(api.config);
      const page =
        cursor.order === 'oldest' ? await alarmEventsJsonAfterCursor(api.reader, cursor.seq, limit, 'after', areas.ofEvent) : await api.reader.alarmEventsBeforeJson(cursor.seq, limit, areas.ofEvent);
      const next = page.lastSeq ?? Number(query.before ?? query.after ?? 0);
      return c.body(`{"events":${page.json},"next":${next}}`, 200, JSON_TYPE) as never;
    },
  );
}
