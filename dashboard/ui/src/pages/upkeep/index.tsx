/**
 * Detector upkeep: per detector the last bump test and calibration, when each is next due and whether it is overdue
 * or due within a week (overdue ones first, marked with a word), the sensor life the device reports; the form to enter a record (operator
 * and up); and the records of one detector or all.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, CAN, session } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { DAY_MS } from '../../shell/site-time.ts';
import { Time } from '../../shell/Time.tsx';
import '../admin/admin.css';
import './upkeep.css';
import { RecordForm } from './RecordForm.tsx';
import type { DetectorUpkeep, Due, UpkeepList, UpkeepRecord } from './types.ts';
import { errorText } from '../../api/error-text.ts';

const HOURS_PER_DAY = 24;
/** Due within this many days: marked, so the test can be planned into a shift before the detector is overdue. */
const DUE_SOON_DAYS = 7;

const isOverdue = (detector: DetectorUpkeep) => detector.bumpTest.overdue || detector.calibration.overdue;
/** Whole days until a due date not yet passed, when it is within DUE_SOON_DAYS of `now` (the server's time of the list). */
const daysUntilDue = (due: Due, now: number): number | null =>
  due.overdue || due.nextDue === null || due.nextDue - now > DUE_SOON_DAYS * DAY_MS ? null : Math.max(1, Math.ceil((due.nextDue - now) / DAY_MS));
const isDueSoon = (detector: DetectorUpkeep, now: number) => daysUntilDue(detector.bumpTest, now) !== null || daysUntilDue(detector.calibration, now) !== null;
const earliestDue = (detector: DetectorUpkeep) => Math.min(detector.bumpTest.nextDue ?? Number.POSITIVE_INFINITY, detector.calibration.nextDue ?? Number.POSITIVE_INFINITY);

/** Overdue first, then the soonest due, then by name. */
function byUrgency(a: DetectorUpkeep, b: DetectorUpkeep): number {
  return Number(isOverdue(b)) - Number(isOverdue(a)) || earliestDue(a) - earliestDue(b) || a.deviceId.localeCompare(b.deviceId);
}

function StatusMark({ detector, now }: { readonly detector: DetectorUpkeep; readonly now: number }) {
  if (isOverdue(detector))
    return (
      <span class="mark upkeep-overdue" data-testid="upkeep-status">
        {t('upkeep.overdue')}
      </span>
    );
  if (isDueSoon(detector, now))
    return (
      <span class="mark upkeep-soon" data-testid="upkeep-status">
        {t('upkeep.dueSoon')}
      </span>
    );
  const planned = detector.bumpTest.nextDue !== null || detector.calibration.nextDue !== null;
  return (
    <span class={`mark ${planned ? 'upkeep-ok' : 'upkeep-none'}`} data-testid="upkeep-status">
      {t(planned ? 'upkeep.onTime' : 'upkeep.noPlan')}
    </span>
  );
}

/** Overdue without a date: an interval is set and nothing was ever recorded, so it is owed now. */
function NextDue({ due }: { readonly due: Due }) {
  if (due.nextDue !== null) return <Time ms={due.nextDue} />;
  return due.overdue ? <span>{t('upkeep.dueNow')}</span> : <span class="muted">{t('upkeep.notPlanned')}</span>;
}

function DueCell({ due, testId, now }: { readonly due: Due; readonly testId: string; readonly now: number }) {
  const daysLeft = daysUntilDue(due, now);
  return (
    <td data-testid={testId}>
      <div>
        {due.last ? (
          <>
            <Time ms={due.last.at} /> <span class={`mark result-${due.last.result}`}>{t(`upkeep.results.${due.last.result}`)}</span>
          </>
        ) : (
          <span class="muted">{t('upkeep.never')}</span>
        )}
      </div>
      <div class={due.overdue ? 'due-overdue' : daysLeft !== null ? 'due-soon' : undefined}>
        {t('upkeep.nextDue')}: <NextDue due={due} />
        {due.overdue && <strong> ({t('upkeep.overdue')})</strong>}
        {daysLeft !== null && <strong data-testid={`${testId}-due-in`}> ({t('upkeep.dueInDays', { days: daysLeft })})</strong>}
      </div>
    </td>
  );
}

function sensorLife(hours: number | null): string {
  if (hours === null) return t('upkeep.notReported');
  return t('upkeep.sensorLifeValue', { hours: Math.round(hours), days: Math.floor(hours / HOURS_PER_DAY) });
}

function Records({ records }: { readonly records: readonly UpkeepRecord[] }) {
  if (records.length === 0) return <p>{t('upkeep.noRecords')}</p>;
  return (
    <table data-testid="upkeep-records">
      <thead>
        <tr>
          <th scope="col">{t('upkeep.at')}</th>
          <th scope="col">{t('upkeep.detector')}</th>
          <th scope="col">{t('upkeep.kind')}</th>
          <th scope="col">{t('upkeep.result')}</th>
          <th scope="col">{t('upkeep.nextDue')}</th>
          <th scope="col">{t('upkeep.who')}</th>
          <th scope="col">{t('upkeep.notes')}</th>
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <tr key={record.seq} data-testid="upkeep-record">
            <td>
              <Time ms={record.at} />
            </td>
            <td>{record.deviceId}</td>
            <td>{t(`upkeep.kinds.${record.kind}`)}</td>
            <td>
              <span class={`mark result-${record.result}`}>{t(`upkeep.results.${record.result}`)}</span>
            </td>
            <td>{record.nextDue === null ? <span class="muted">{t('upkeep.fromInterval')}</span> : <Time ms={record.nextDue} />}</td>
            <td>
              {record.who ?? '—'}
              <div class="muted">
                {t('upkeep.recordedAt')} <Time ms={record.recordedAt} />
              </div>
            </td>
            <td>{record.notes ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function UpkeepPage() {
  const role = session.value?.role;
  const list = useSignal<UpkeepList | null>(null);
  const loadError = useSignal<string | null>(null);
  const shownDevice = useSignal<string | null>(null);
  const reload = () =>
    api.get<UpkeepList>('/api/v1/upkeep').then(
      (answer) => {
        list.value = answer;
        loadError.value = null;
      },
      (failure) => {
        loadError.value = errorText(failure);
      },
    );
  useEffect(() => void reload(), []);

  const detectors = list.value ? [...list.value.detectors].sort(byUrgency) : [];
  const now = list.value?.time ?? Date.now();
  const records = list.value?.records.filter((record) => shownDevice.value === null || record.deviceId === shownDevice.value) ?? [];
  return (
    <section class="page upkeep-page">
      <h1>{t('nav.upkeep')}</h1>
      {loadError.value && (
        <p class="form-error" role="alert">
          {t('admin.failed', { message: loadError.value })}
        </p>
      )}
      {list.value === null ? (
        <p>{t('overview.loading')}</p>
      ) : detectors.length === 0 ? (
        <p>{t('upkeep.noDetectors')}</p>
      ) : (
        <>
          <table data-testid="detectors">
            <thead>
              <tr>
                <th scope="col">{t('upkeep.detector')}</th>
                <th scope="col">{t('upkeep.status')}</th>
                <th scope="col">{t('upkeep.kinds.bump_test')}</th>
                <th scope="col">{t('upkeep.kinds.calibration')}</th>
                <th scope="col">{t('upkeep.sensorLife')}</th>
                <th scope="col">{t('upkeep.records')}</th>
              </tr>
            </thead>
            <tbody>
              {detectors.map((detector) => (
                <tr key={detector.deviceId} data-testid={`detector-${detector.deviceId}`} class={isOverdue(detector) ? 'row-overdue' : undefined}>
                  <td>
                    <strong>{detector.deviceId}</strong>
                    <div class="muted">{detector.model}</div>
                  </td>
                  <td>
                    <StatusMark detector={detector} now={now} />
                  </td>
                  <DueCell due={detector.bumpTest} testId="bump-test" now={now} />
                  <DueCell due={detector.calibration} testId="calibration" now={now} />
                  <td>{sensorLife(detector.sensorLifeHours)}</td>
                  <td>
                    <button
                      type="button"
                      data-testid="show-records"
                      aria-pressed={shownDevice.value === detector.deviceId}
                      onClick={() => (shownDevice.value = shownDevice.value === detector.deviceId ? null : detector.deviceId)}
                    >
                      {t('upkeep.showRecords')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {role !== undefined && CAN.recordUpkeep(role) && (
            <section aria-labelledby="record-title">
              <h2 id="record-title">{t('upkeep.enter')}</h2>
              <p class="muted">{t('upkeep.siteTimeHint')}</p>
              <RecordForm key={shownDevice.value ?? ''} detectors={detectors} deviceId={shownDevice.value ?? detectors[0]!.deviceId} onRecorded={reload} />
            </section>
          )}
          <section aria-labelledby="records-title">
            <h2 id="records-title">{shownDevice.value === null ? t('upkeep.allRecords') : t('upkeep.recordsOf', { device: shownDevice.value })}</h2>
            <Records records={records} />
          </section>
        </>
      )}
    </section>
  );
}
