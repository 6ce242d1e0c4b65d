/**
 * The alarm list: the active alarms (the live store) and their stored history (GET /api/v1/alarm-events) in one view,
 * narrowed by one filter bar (area, priority, state, point, time range, text) and one sort. Acknowledge with a comment
 * in the row; the detail panel has the alarm's help and the other commands. The filtered lists export as CSV and
 * print on A4 (alarms.css).
 */
import './alarms.css';
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, CAN, session } from '../../api/client.ts';
import { type AlarmEvent, type AlarmState, PRIORITIES, type Priority } from '../../api/types.ts';
import { useLocation } from 'preact-iso';
import { formatTime, timeZone } from '../../format.ts';
import { t } from '../../i18n/index.ts';
import { alarms, reloadAlarms, site } from '../../live/store.ts';
import { PriorityMark, StateMark } from '../../shell/marks.tsx';
import { PendingTable } from '../../shell/PendingDelays.tsx';
import { Time } from '../../shell/Time.tsx';
import { SiteTimeField, siteTimeProblem } from '../../shell/SiteTimeField.tsx';
import { fromSiteInput } from '../../shell/site-time.ts';
import { download, toCsv } from './csv.ts';
import { type Filters, filtersUrl, NO_FILTERS, parseFilters, SORTS, type Sort, STATE_FILTERS } from './filters.ts';
import { alarmIdOf, history, historyError, olderEvents, readOlderEvents, refreshActions, refreshHistory } from './data.ts';
import { type ActiveRow, Detail, runtimeAlarmText } from './Detail.tsx';
import { kindWord } from '../../shell/event-kind.ts';
import { BreakableId, EventRows, eventText } from './HistoryTable.tsx';
import { errorText } from '../../api/error-text.ts';

/** History rows drawn on screen; the CSV has every filtered one. */
const HISTORY_SHOWN = 500;

const ALARM_STATES: readonly string[] = ['normal', 'unacknowledged_active', 'acknowledged_active', 'unacknowledged_returned'];

/** The areas' names as the site calls them. */
const areaNames = (areas: readonly string[]) => areas.map((id) => site.value?.areas.find((area) => area.id === id)?.name ?? id).join(', ');

function activeRows(): ActiveRow[] {
  return [
    ...alarms.value.engine.map((alarm) => ({
      id: alarm.id,
      source: 'engine' as const,
      pointId: alarm.pointId,
      areas: alarm.areas,
      priority: alarm.priority,
      state: alarm.state,
      mode: alarm.mode,
      conditionActive: alarm.conditionActive,
      since: alarm.activeSince,
      shelvedUntil: alarm.shelvedUntil,
      rule: null,
      why: null,
      help: alarm.help ?? null,
    })),
    ...alarms.value.runtime.map((alarm) => ({
      id: alarm.id,
      source: 'runtime' as const,
      pointId: null,
      areas: alarm.areas,
      priority: alarm.priority,
      state: alarm.state,
      mode: 'in_service' as const,
      conditionActive: alarm.conditionActive,
      since: alarm.since,
      shelvedUntil: null,
      rule: alarm.rule,
      why: alarm.why,
      help: alarm.help ?? null,
    })),
  ];
}

/** An alarm no longer active, opened from its history: what its latest event says. */
function rowFromEvent(event: AlarmEvent): ActiveRow {
  return {
    id: alarmIdOf(event),
    source: event.pointId === null ? 'runtime' : 'engine',
    pointId: event.pointId,
    areas: event.areas,
    priority: event.priority ?? 'low',
    state: (ALARM_STATES.includes(event.stateAfter) ? event.stateAfter : 'normal') as AlarmState,
    mode: 'in_service',
    conditionActive: false,
    since: null,
    shelvedUntil: null,
    rule: event.pointId === null ? event.ruleId : null,
    why: null,
    help: null,
  };
}

/** The time filter as typed (site time), or what is wrong with each end; a bad end narrows nothing until it is fixed. */
function timeFilter(filters: Pick<Filters, 'from' | 'to'>): { from: number | null; to: number | null; fromProblem: string | null; toProblem: string | null } {
  const fromProblem = siteTimeProblem(filters.from, { required: false });
  let toProblem = siteTimeProblem(filters.to, { required: false });
  const from = fromProblem === null ? fromSiteInput(filters.from) : null;
  const to = toProblem === null ? fromSiteInput(filters.to) : null;
  if (from !== null && to !== null && to <= from) toProblem = t('siteTime.endBeforeStart');
  return { from, to: toProblem === null ? to : null, fromProblem, toProblem };
}

interface Matchable {
  readonly alarmId: string;
  readonly pointId: string | null;
  readonly areas: readonly string[];
  readonly priority: Priority | null;
  readonly states: readonly string[];
  readonly time: number | null;
  readonly text: string;
}

function matcher(filters: Filters): (item: Matchable) => boolean {
  const { from, to } = timeFilter(filters);
  const point = filters.point.trim().toLowerCase();
  const text = filters.text.trim().toLowerCase();
  return (item) =>
    (filters.area === '' || item.areas.includes(filters.area)) &&
    (filters.priority === '' || item.priority === filters.priority) &&
    (filters.state === '' || item.states.includes(filters.state)) &&
    (point === '' || (item.pointId ?? item.alarmId).toLowerCase().includes(point)) &&
    (from === null || (item.time !== null && item.time >= from)) &&
    (to === null || (item.time !== null && item.time < to)) &&
    (text === '' || `${item.alarmId} ${item.text}`.toLowerCase().includes(text));
}

function sorter<T>(sort: Sort, priorityOf: (item: T) => Priority | null, timeOf: (item: T) => number | null): (a: T, b: T) => number {
  const rank = (item: T) => {
    const priority = priorityOf(item);
    return priority === null ? PRIORITIES.length : PRIORITIES.indexOf(priority);
  };
  const byTime = (a: T, b: T) => (timeOf(a) ?? 0) - (timeOf(b) ?? 0);
  if (sort === 'oldest') return byTime;
  if (sort === 'newest') return (a, b) => byTime(b, a);
  return (a, b) => rank(a) - rank(b) || byTime(b, a);
}

function helpText(row: ActiveRow): string {
  return row.help ? [row.help.cause, row.help.consequence, row.help.action].filter((part) => part !== null).join(' ') : '';
}

function AckForm({ alarmId }: { readonly alarmId: string }) {
  const comment = useSignal('');
  const message = useSignal<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const text = comment.value.trim();
      await api.post(`/api/v1/alarms/${encodeURIComponent(alarmId)}/ack`, text === '' ? {} : { comment: text });
      comment.value = '';
      message.value = null;
      await Promise.all([reloadAlarms(), refreshHistory()]);
    } catch (error) {
      message.value = t('alarms.failed', { message: errorText(error) });
    }
  };
  return (
    <form class="ack" onSubmit={submit}>
      <input aria-label={t('alarms.comment')} placeholder={t('alarms.comment')} maxLength={500} value={comment.value} onInput={(event) => (comment.value = event.currentTarget.value)} />
      <button type="submit" class="primary" data-testid="acknowledge">
        {t('alarms.acknowledge')}
      </button>
      {message.value && (
        <span class="form-error" role="alert">
          {message.value}
        </span>
      )}
    </form>
  );
}

function FilterBar({ filters, onChange }: { readonly filters: Filters; readonly onChange: (next: Filters) => void }) {
  const set =
    <K extends keyof Filters>(key: K) =>
    (event: Event) =>
      onChange({ ...filters, [key]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const times = timeFilter(filters);
  return (
    <form class="alarm-filters no-print" data-testid="filters" onSubmit={(event) => event.preventDefault()} aria-label={t('alarms.filter.title')}>
      <label>
        {t('alarms.filter.area')}
        <select name="area" value={filters.area} onChange={set('area')}>
          <option value="">{t('alarms.filter.all')}</option>
          {(site.value?.areas ?? []).map((area) => (
            <option key={area.id} value={area.id}>
              {area.name ?? area.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('alarms.priority')}
        <select name="priority" value={filters.priority} onChange={set('priority')}>
          <option value="">{t('alarms.filter.all')}</option>
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {t(`priority.${priority}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('alarms.state')}
        <select name="state" value={filters.state} onChange={set('state')}>
          <option value="">{t('alarms.filter.all')}</option>
          {STATE_FILTERS.map((state) => (
            <option key={state} value={state}>
              {state === 'shelved' || state === 'suppressed' || state === 'out_of_service' ? t(`mode.${state}`) : t(`state.${state}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('alarms.filter.point')}
        <input name="point" value={filters.point} onInput={set('point')} />
      </label>
      <SiteTimeField name="from" label="alarms.filter.from" value={filters.from} error={times.fromProblem} errorTestId="filter-error-from" onInput={(from) => onChange({ ...filters, from })} />
      <SiteTimeField name="to" label="alarms.filter.to" value={filters.to} error={times.toProblem} errorTestId="filter-error-to" onInput={(to) => onChange({ ...filters, to })} />
      <label>
        {t('alarms.filter.text')}
        <input name="text" type="search" value={filters.text} onInput={set('text')} />
      </label>
      <label>
        {t('alarms.filter.sort')}
        <select name="sort" value={filters.sort} onChange={set('sort')}>
          {SORTS.map((sort) => (
            <option key={sort} value={sort}>
              {t(`alarms.sort.${sort}`)}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => onChange(NO_FILTERS)} data-testid="clear-filters">
        {t('alarms.filter.clear')}
      </button>
    </form>
  );
}

function csvOf(active: readonly ActiveRow[], events: readonly AlarmEvent[]): string {
  const zone = timeZone.value;
  const times = (ms: number | null) => (ms === null ? ['', ''] : [new Date(ms).toISOString(), formatTime(ms)]);
  const header = ['list', 'time_utc', `time_site (${zone})`, 'alarm', 'point', 'area', 'priority', 'state_or_event', 'mode', 'who', 'text'];
  return toCsv([
    header,
    ...active.map((row) => [
      t('alarms.activeTitle'),
      ...times(row.since),
      row.id,
      row.pointId ?? '',
      row.areas.join(', '),
      t(`priority.${row.priority}`),
      t(`state.${row.state}`),
      t(`mode.${row.mode}`),
      '',
      bothTexts(runtimeAlarmText(row), row.why),
    ]),
    ...events.map((event) => [
      t('alarms.historyTitle'),
      ...times(event.time),
      alarmIdOf(event),
      event.pointId ?? '',
      event.areas.join(', '),
      event.priority ? t(`priority.${event.priority}`) : '',
      kindWord(event.kind),
      '',
      event.who ?? '',
      bothTexts(eventText(event), event.why),
    ]),
  ]);
}

/** The text said in the language shown and the gateway's own sentence, each once (the CSV keeps both). */
function bothTexts(said: string | null, own: string | null | undefined): string {
  return [said, own].filter((text, index, texts) => text && texts.indexOf(text) === index).join(' / ');
}

export default function AlarmsPage() {
  const { query, route } = useLocation();
  // The URL holds the filters: each change replaces the entry (no history step per keystroke).
  const filters = parseFilters(query);
  const setFilters = (next: Filters) => route(filtersUrl(next), true);
  const selected = useSignal<string | null>(null);
  const role = session.value?.role;
  const mayAck = role !== undefined && CAN.acknowledge(role);
  const list = alarms.value;

  // Every stored alarm event reaches the stream, which reloads the alarm list: read the new events and actions then.
  useEffect(() => {
    void refreshHistory();
    void refreshActions().catch(() => undefined);
  }, [list]);

  const matches = matcher(filters);
  const active = activeRows()
    .filter((row) =>
      matches({
        alarmId: row.id,
        pointId: row.pointId,
        areas: row.areas,
        priority: row.priority,
        states: [row.state, row.mode],
        time: row.since,
        text: `${runtimeAlarmText(row) ?? ''} ${row.why ?? ''} ${helpText(row)}`,
      }),
    )
    .sort(
      sorter(
        filters.sort,
        (row) => row.priority,
        (row) => row.since,
      ),
    );
  const events = history.value
    .filter((event) =>
      matches({
        alarmId: alarmIdOf(event),
        pointId: event.pointId,
        areas: event.areas,
        priority: event.priority ?? null,
        states: [event.stateAfter, event.kind],
        time: event.time,
        text: `${event.who ?? ''} ${eventText(event)} ${event.why ?? ''}`,
      }),
    )
    .sort(
      sorter(
        filters.sort,
        (event) => event.priority ?? null,
        (event) => event.time,
      ),
    );
  const selectedRow = selected.value === null ? null : (activeRows().find((row) => row.id === selected.value) ?? rowOfHistory(selected.value));

  const exportCsv = () =>
    download(
      `alarms-${new Date()
        .toISOString()
        .replaceAll(':', '-')
        .replace(/\.\d+Z$/, 'Z')}.csv`,
      csvOf(active, events),
    );

  return (
    <section class="page alarms-page">
      <div class="alarms-head">
        <h1>{t('alarms.title')}</h1>
        <div class="no-print alarms-tools">
          <button type="button" onClick={exportCsv} data-testid="export-csv">
            {t('alarms.exportCsv')}
          </button>
          <button type="button" onClick={() => window.print()} data-testid="print">
            {t('alarms.print')}
          </button>
        </div>
      </div>
      <p class="print-only">{t('alarms.printedAt', { time: formatTime(Date.now()), zone: timeZone.value, user: session.value?.name ?? '' })}</p>
      <FilterBar filters={filters} onChange={setFilters} />
      {selectedRow && <Detail key={selectedRow.id} row={selectedRow} onClose={() => (selected.value = null)} />}

      <PendingTable />
      <h2>
        {t('alarms.activeTitle')} <span class="muted">({active.length})</span>
      </h2>
      {active.length === 0 ? (
        <p data-testid="active-empty">{t('alarms.empty')}</p>
      ) : (
        <table class="alarm-table" data-testid="active-table">
          <thead>
            <tr>
              <th scope="col">{t('alarms.priority')}</th>
              <th scope="col">{t('alarms.alarm')}</th>
              <th scope="col">{t('alarms.state')}</th>
              <th scope="col">{t('alarms.since')}</th>
              <th scope="col" class="no-print">
                {t('alarms.action')}
              </th>
            </tr>
          </thead>
          <tbody>
            {active.map((row) => (
              <tr key={row.id} data-testid={`alarm-${row.id}`} class={`priority-row-${row.priority}`}>
                <td>
                  <PriorityMark priority={row.priority} />
                </td>
                <td>
                  {row.source === 'runtime' && `${t('alarms.runtime')}: `}
                  <BreakableId id={row.id} />
                  {row.areas.length > 0 && (
                    <div class="muted" data-testid="alarm-areas">
                      {areaNames(row.areas)}
                    </div>
                  )}
                  {row.why && (
                    <div class="muted" title={row.why} data-testid="runtime-why">
                      {runtimeAlarmText(row)}
                    </div>
                  )}
                </td>
                <td class="state-cell">
                  <StateMark state={row.state} />
                  {row.mode !== 'in_service' && (
                    <div>
                      <span class={`mark mode-${row.mode}`}>{t(`mode.${row.mode}`)}</span>
                      {row.shelvedUntil !== null && (
                        <span class="muted">
                          {' '}
                          {t('alarms.shelvedUntil')} <Time ms={row.shelvedUntil} />
                        </span>
                      )}
                    </div>
                  )}
                </td>
                <td>
                  <Time ms={row.since} />
                </td>
                <td class="no-print row-actions">
                  {mayAck && row.state.startsWith('unacknowledged') && <AckForm alarmId={row.id} />}
                  <button type="button" data-testid="details" aria-expanded={selected.value === row.id} onClick={() => (selected.value = row.id)}>
                    {t('alarms.details')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>
        {t('alarms.historyTitle')} <span class="muted">({events.length})</span>
      </h2>
      {historyError.value && (
        <p class="form-error" role="alert">
          {t('alarms.history.failed', { message: historyError.value })}
        </p>
      )}
      {events.length === 0 ? (
        <p>{t('alarms.history.empty')}</p>
      ) : (
        <table class="event-table" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col">{t('alarms.history.time')}</th>
              <th scope="col">{t('alarms.alarm')}</th>
              <th scope="col">{t('alarms.priority')}</th>
              <th scope="col">{t('alarms.history.event')}</th>
              <th scope="col">{t('alarms.history.who')}</th>
              <th scope="col">{t('alarms.history.text')}</th>
            </tr>
          </thead>
          <tbody>
            <EventRows events={events.slice(0, HISTORY_SHOWN)} onOpen={(alarmId) => (selected.value = alarmId)} />
          </tbody>
        </table>
      )}
      {events.length > HISTORY_SHOWN && <p class="muted">{t('alarms.history.more', { shown: HISTORY_SHOWN, total: events.length })}</p>}
      {olderEvents.value.remain && olderEvents.value.since !== null && (
        <p class="no-print history-older" data-testid="history-older">
          {t('alarms.history.olderOnServer', { time: formatTime(olderEvents.value.since) })}{' '}
          <button type="button" data-testid="history-load-older" onClick={() => void readOlderEvents()}>
            {t('alarms.history.loadOlder')}
          </button>
        </p>
      )}
    </section>
  );
}

/** An alarm that is no longer active is still opened (its handling is often recorded after it cleared). */
function rowOfHistory(alarmId: string): ActiveRow | null {
  const latest = history.value.findLast((event) => alarmIdOf(event) === alarmId);
  return latest ? rowFromEvent(latest) : null;
}
