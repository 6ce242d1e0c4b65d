/**
 * The shift report (GET /api/v1/shift-report) for a shift or a custom range: alarms raised by priority, who
 * acknowledged what and how fast, handling records, shelving and out-of-service changes, shut-off actions and resets,
 * detector upkeep, comms losses, each point's statistics, the alarms standing at the end, and signature lines for the
 * officers handing over and taking over. Print gives a clean A4 document (print.css). Every role.
 */
import { useSignal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { session } from '../../api/client.ts';
import { PRIORITIES, type ShiftReport } from '../../api/types.ts';
import { formatTime, formatValue, timeZone, utcTooltip } from '../../format.ts';
import { type MessageKey, t } from '../../i18n/index.ts';
import { points, site } from '../../live/store.ts';
import { PriorityMark, PriorityOf } from '../../shell/marks.tsx';
import { PointLink } from '../../shell/PointLink.tsx';
import { type Range, RangePicker } from '../../shell/RangePicker.tsx';
import { useRangeQuery } from '../../shell/range-query.ts';
import { Time } from '../../shell/Time.tsx';
import { SHIFT_PRESETS } from './shifts.ts';
import './print.css';

const KNOWN_ACTION_KINDS = ['action_commanded', 'action_released', 'reset'];
const KNOWN_ACTION_COMMANDS = ['close', 'start', 'sound', 'cut', 'release'];
const KNOWN_STATES = ['normal', 'unacknowledged_active', 'acknowledged_active', 'unacknowledged_returned'];
const KNOWN_MODES = ['in_service', 'shelved', 'suppressed', 'out_of_service'];

/** A range from the address (`?from=&to=` epoch ms), so a report can be linked and reopened. */
function rangeFromQuery(query: Record<string, string>): Range | null {
  const from = Number(query['from']);
  const to = Number(query['to']);
  return Number.isSafeInteger(from) && Number.isSafeInteger(to) && to > from && query['from'] !== undefined ? { from, to } : null;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const whole = Math.round(seconds);
  return whole < 60 ? t('shiftReport.seconds', { seconds: whole }) : t('shiftReport.minutes', { minutes: Math.floor(whole / 60), seconds: whole % 60 });
}

function Part({ title, empty, testId, children }: { readonly title: MessageKey; readonly empty: boolean; readonly testId: string; readonly children: ComponentChildren }) {
  return (
    <section class="report-part" data-testid={testId}>
      <h2>{t(title)}</h2>
      {empty ? <p class="muted">{t('shiftReport.none')}</p> : children}
    </section>
  );
}

function Head({ columns }: { readonly columns: readonly MessageKey[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column} scope="col">
            {t(column)}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A word for a code the catalog knows, else the code as stored. */
function word(prefix: 'shiftReport.actionKinds' | 'shiftReport.actionCommands' | 'state' | 'mode' | 'shiftReport.modeKinds', code: string, known: readonly string[]): string {
  return known.includes(code) ? t(`${prefix}.${code}` as MessageKey) : code;
}

function ReportHeader({ report }: { readonly report: ShiftReport }) {
  const utc = (ms: number) => utcTooltip(ms).replace('UTC ', '');
  return (
    <header class="report-header" data-testid="report-header">
      <div class="report-site">{site.value?.site.name ?? t('app.name')}</div>
      <h1>{t('shiftReport.title')}</h1>
      <p data-testid="report-range">
        {t('shiftReport.rangeSite', { from: formatTime(report.from), to: formatTime(report.to), zone: timeZone.value })}
        <br />
        {t('shiftReport.rangeUtc', { from: utc(report.from), to: utc(report.to) })}
      </p>
      <p class="muted">{t('shiftReport.generated', { time: formatTime(Date.now()), who: session.value?.name ?? '' })}</p>
    </header>
  );
}

function Report({ report }: { readonly report: ShiftReport }) {
  const unitOf = (pointId: string) => points.value.get(pointId)?.unit ?? '';
  return (
    <article class="shift-report" data-testid="shift-report">
      <ReportHeader report={report} />
      <Part title="shiftReport.raised" empty={false} testId="part-raised">
        <table class="compact">
          <Head columns={['shiftReport.priority', 'shiftReport.count']} />
          <tbody>
            {PRIORITIES.map((priority) => (
              <tr key={priority}>
                <td>
                  <PriorityMark priority={priority} />
                </td>
                <td data-testid={`raised-${priority}`}>{report.raised.byPriority[priority]}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">{t('shiftReport.total')}</th>
              <td data-testid="raised-total">{report.raised.total}</td>
            </tr>
          </tbody>
        </table>
      </Part>
      <Part title="shiftReport.acknowledgements" empty={report.acknowledgements.length === 0} testId="part-acks">
        <table>
          <Head columns={['shiftReport.time', 'shiftReport.alarm', 'shiftReport.priority', 'shiftReport.who', 'shiftReport.timeToAck', 'shiftReport.comment']} />
          <tbody>
            {report.acknowledgements.map((ack) => (
              <tr key={ack.seq}>
                <td>
                  <Time ms={ack.time} />
                </td>
                <td class="wrap">{ack.alarmId}</td>
                <td>
                  <PriorityOf priority={ack.priority} />
                </td>
                <td>{ack.who ?? '—'}</td>
                <td>{duration(ack.secondsToAcknowledge)}</td>
                <td class="wrap">{ack.comment ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Part>
      <Part title="shiftReport.handling" empty={report.handling.length === 0} testId="part-handling">
        <table>
          <Head columns={['shiftReport.time', 'shiftReport.alarm', 'shiftReport.who', 'shiftReport.found', 'shiftReport.done', 'shiftReport.result']} />
          <tbody>
            {report.handling.map((record) => (
              <tr key={record.seq}>
                <td>
                  <Time ms={record.time} />
                </td>
                <td class="wrap">{record.alarmId}</td>
                <td>{record.who ?? '—'}</td>
                <td class="wrap">{record.found}</td>
                <td class="wrap">{record.done}</td>
                <td class="wrap">{record.result}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Part>
      <Part title="shiftReport.modeChanges" empty={report.modeChanges.length === 0} testId="part-modes">
        <table>
          <Head columns={['shiftReport.time', 'shiftReport.alarm', 'shiftReport.change', 'shiftReport.who', 'shiftReport.reason', 'shiftReport.shelvedUntil']} />
          <tbody>
            {report.modeChanges.map((change) => (
              <tr key={change.seq}>
                <td>
                  <Time ms={change.time} />
                </td>
                <td class="wrap">{change.alarmId}</td>
                <td>{t(`shiftReport.modeKinds.${change.kind}`)}</td>
                <td>{change.who ?? '—'}</td>
                <td class="wrap">{change.reason ?? '—'}</td>
                <td>
                  <Time ms={change.shelvedUntil} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Part>
      <Part title="shiftReport.actions" empty={report.actions.length === 0} testId="part-actions">
        <table>
          <Head columns={['shiftReport.time', 'shiftReport.what', 'shiftReport.actionId', 'shiftReport.trigger', 'shiftReport.who', 'shiftReport.reason']} />
          <tbody>
            {report.actions.map((action) => (
              <tr key={action.seq}>
                <td>
                  <Time ms={action.time} />
                </td>
                <td>
                  {word('shiftReport.actionKinds', action.kind, KNOWN_ACTION_KINDS)}
                  {action.command && <div class="muted">{word('shiftReport.actionCommands', action.command, KNOWN_ACTION_COMMANDS)}</div>}
                </td>
                <td>{action.actionId ?? '—'}</td>
                <td class="wrap">{action.alarmId}</td>
                <td>{action.who ?? '—'}</td>
                {/* The engine's own sentence (in English, with the deciding value) stays the tooltip, as in the alarm history. */}
                <td class="wrap" title={action.reason ?? undefined}>
                  {action.who === 'engine' && action.actionId !== null ? t('alarms.trippedBy', { alarm: action.alarmId }) : (action.reason ?? '—')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Part>
      <Part title="shiftReport.upkeep" empty={report.upkeep.length === 0} testId="part-upkeep">
        <table>
          <Head columns={['shiftReport.time', 'shiftReport.device', 'shiftReport.upkeepKind', 'shiftReport.result', 'shiftReport.who', 'shiftReport.notes', 'shiftReport.nextDue']} />
          <tbody>
            {report.upkeep.map((record) => (
              <tr key={record.seq}>
                <td>
                  <Time ms={record.at} />
                </td>
                <td>{record.deviceId}</td>
                <td>{t(`upkeep.kinds.${record.kind}`)}</td>
                <td>
                  <span class={`mark ${record.result === 'fail' ? 'verdict-over' : 'verdict-ok'}`}>{t(`upkeep.results.${record.result}`)}</span>
                </td>
                <td>{record.who ?? '—'}</td>
                <td class="wrap">{record.notes ?? '—'}</td>
                <td>{record.nextDue === null ? <span class="muted">{t('upkeep.fromInterval')}</span> : <Time ms={record.nextDue} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Part>
      <Part title="shiftReport.commsLosses" empty={report.commsLosses.length === 0} testId="part-comms">
        <table class="compact">
          <Head columns={['shiftReport.device', 'shiftReport.disconnections', 'shiftReport.offlineHours']} />
          <tbody>
            {report.commsLosses.map((device) => (
              <tr key={device.deviceId}>
                <td>{device.deviceId}</td>
                <td>{device.disconnections}</td>
                <td>{formatValue(device.offlineHours, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Part>
      <Part title="shiftReport.points" empty={report.points.length === 0} testId="part-points">
        <table>
          <Head columns={['shiftReport.point', 'shiftReport.min', 'shiftReport.avg', 'shiftReport.max', 'shiftReport.readings', 'shiftReport.completeness']} />
          <tbody>
            {report.points.map((point) => (
              <tr key={point.pointId}>
                <td>
                  <PointLink pointId={point.pointId} range={report} />
                </td>
                <td>
                  {formatValue(point.min)} {unitOf(point.pointId)}
                </td>
                <td>
                  {formatValue(point.avg)} {unitOf(point.pointId)}
                </td>
                <td>
                  {formatValue(point.max)} {unitOf(point.pointId)}
                </td>
                <td>{point.count}</td>
                <td>{formatValue(point.completeness * 100, 1)} %</td>
              </tr>
            ))}
          </tbody>
        </table>
        {report.pointsTruncated && <p class="muted">{t('shiftReport.pointsTruncated', { count: report.points.length })}</p>}
      </Part>
      <Part title="shiftReport.standing" empty={report.standing.length === 0} testId="part-standing">
        <table>
          <Head columns={['shiftReport.alarm', 'shiftReport.point', 'shiftReport.priority', 'shiftReport.state', 'shiftReport.mode', 'shiftReport.activeSince']} />
          <tbody>
            {report.standing.map((alarm) => (
              <tr key={alarm.alarmId}>
                <td class="wrap">{alarm.alarmId}</td>
                <td>
                  <PointLink pointId={alarm.pointId} range={report} />
                </td>
                <td>
                  <PriorityOf priority={alarm.priority} />
                </td>
                <td>{word('state', alarm.state, KNOWN_STATES)}</td>
                <td>{word('mode', alarm.mode, KNOWN_MODES)}</td>
                <td>
                  <Time ms={alarm.activeSince} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Part>
      <section class="report-part signatures" data-testid="signatures">
        <h2>{t('shiftReport.handover')}</h2>
        {(['handingOver', 'takingOver'] as const).map((role) => (
          <div key={role} class="signature">
            <span>{t(`shiftReport.${role}`)}</span>
            <span class="signature-line" />
            <span>{t('shiftReport.signedAt')}</span>
            <span class="signature-line short" />
          </div>
        ))}
      </section>
    </article>
  );
}

export default function ShiftReportPage() {
  const { query } = useLocation();
  const linked = rangeFromQuery(query);
  const chosen = useSignal(linked === null ? 'current8h' : 'custom');
  const range = useSignal<Range>(linked ?? SHIFT_PRESETS[0]!.range());
  const { answer: report, error } = useRangeQuery<ShiftReport>('/api/v1/shift-report', range.value);
  return (
    <section class="page shift-report-page">
      <div class="no-print">
        <h1>{t('shiftReport.pick')}</h1>
        <RangePicker
          presets={SHIFT_PRESETS}
          chosen={chosen.value}
          range={range.value}
          onChange={(next, key) => {
            chosen.value = key;
            range.value = next;
          }}
        />
        <button type="button" class="primary print-button" data-testid="print" disabled={report.value === null} onClick={() => window.print()}>
          {t('shiftReport.print')}
        </button>
      </div>
      {error.value && (
        <p class="form-error" role="alert">
          {t('shiftReport.failed', { message: error.value })}
        </p>
      )}
      {report.value === null ? !error.value && <p>{t('overview.loading')}</p> : <Report report={report.value} />}
    </section>
  );
}
