/**
 * Alarm-system health of a range (GET /api/v1/alarm-health) against the EEMUA 191 / ISA-18.2 figures: the alarm rate
 * per 10 minutes, per hour and per day with the benchmark drawn, floods, chattering, stale and standing alarms, and
 * the ten points with the most activations, each opening its trend. Supervisors and admins.
 */
import { useSignal } from '@preact/signals';
import type { AlarmHealth, StandingAlarm } from '../../api/types.ts';
import { t } from '../../i18n/index.ts';
import { lastPreset, type Range, RangePicker } from '../../shell/RangePicker.tsx';
import { useRangeQuery } from '../../shell/range-query.ts';
import { DAY_MS, HOUR_MS } from '../../shell/site-time.ts';
import { PriorityOf } from '../../shell/marks.tsx';
import { PointLink } from '../../shell/PointLink.tsx';
import { Time } from '../../shell/Time.tsx';
import { BarChart } from './BarChart.tsx';
import './health.css';

/** EEMUA 191 / ISA-18.2 (/work/shared/alarms.md): about 1 alarm per 10 minutes per operator is manageable. */
const MANAGEABLE_PER_10_MIN = 1;
const MANAGEABLE_PER_HOUR = 6 * MANAGEABLE_PER_10_MIN;
const MANAGEABLE_PER_DAY = 24 * MANAGEABLE_PER_HOUR;
const FLOOD_ALARMS = 10;
const CHATTER_ALARMS = 3;

const PRESETS = [lastPreset('24h', 'health.last24h', DAY_MS), lastPreset('7d', 'health.last7d', 7 * DAY_MS), lastPreset('30d', 'health.last30d', 30 * DAY_MS)];

function Verdict({ within }: { readonly within: boolean }) {
  return <span class={`mark ${within ? 'verdict-ok' : 'verdict-over'}`}>{within ? t('health.within') : t('health.over')}</span>;
}

function Figure({ label, value, benchmark, within, testId }: { readonly label: string; readonly value: string; readonly benchmark: string; readonly within: boolean; readonly testId: string }) {
  return (
    <div class="figure" data-testid={testId}>
      <span class="figure-label">{label}</span>
      <strong class="figure-value">{value}</strong>
      <span class="muted">{benchmark}</span>
      <Verdict within={within} />
    </div>
  );
}

function StandingTable({ alarms, range, testId }: { readonly alarms: readonly StandingAlarm[]; readonly range: Range; readonly testId: string }) {
  if (alarms.length === 0) return <p data-testid={testId}>{t('health.none')}</p>;
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t('health.alarm')}</th>
          <th scope="col">{t('health.point')}</th>
          <th scope="col">{t('health.priority')}</th>
          <th scope="col">{t('health.activeSince')}</th>
          <th scope="col">{t('health.activeFor')}</th>
        </tr>
      </thead>
      <tbody>
        {alarms.map((alarm) => (
          <tr key={alarm.alarmId}>
            <td>{alarm.alarmId}</td>
            <td>
              <PointLink pointId={alarm.pointId} range={range} />
            </td>
            <td>
              <PriorityOf priority={alarm.priority} />
            </td>
            <td>
              <Time ms={alarm.activeSince} />
            </td>
            <td>{t('health.hours', { hours: ((range.to - alarm.activeSince) / HOUR_MS).toFixed(1) })}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Report({ health, range }: { readonly health: AlarmHealth; readonly range: Range }) {
  const days = (health.to - health.from) / DAY_MS;
  const averagePerDay = health.activations / days;
  const busiestHour = Math.max(0, ...health.perHour.map((count) => count.count));
  const busiestDay = Math.max(0, ...health.perDay.map((count) => count.count));
  return (
    <>
      <p class="muted">{t('health.basis')}</p>
      <div class="figures">
        <Figure
          testId="figure-activations"
          label={t('health.activations')}
          value={String(health.activations)}
          benchmark={t('health.averagePerDay', { count: averagePerDay.toFixed(1), limit: MANAGEABLE_PER_DAY })}
          within={averagePerDay <= MANAGEABLE_PER_DAY}
        />
        <Figure
          testId="figure-per-10-min"
          label={t('health.per10Min')}
          value={health.averagePer10Min.toFixed(health.averagePer10Min < 0.1 ? 3 : 2)}
          benchmark={t('health.benchmarkPer10Min', { limit: MANAGEABLE_PER_10_MIN })}
          within={health.averagePer10Min <= MANAGEABLE_PER_10_MIN}
        />
        <Figure
          testId="figure-busiest-hour"
          label={t('health.busiestHour')}
          value={String(busiestHour)}
          benchmark={t('health.benchmarkPerHour', { limit: MANAGEABLE_PER_HOUR })}
          within={busiestHour <= MANAGEABLE_PER_HOUR}
        />
        <Figure
          testId="figure-floods"
          label={t('health.floods')}
          value={String(health.floods.length)}
          benchmark={t('health.benchmarkFlood', { count: FLOOD_ALARMS })}
          within={health.floods.length === 0}
        />
        <Figure
          testId="figure-chattering"
          label={t('health.chattering')}
          value={String(health.chattering.length)}
          benchmark={t('health.benchmarkChatter', { count: CHATTER_ALARMS })}
          within={health.chattering.length === 0}
        />
        <Figure testId="figure-stale" label={t('health.stale')} value={String(health.stale.length)} benchmark={t('health.benchmarkStale')} within={health.stale.length === 0} />
      </div>

      <section class="report-part">
        <h2>{t('health.perHour')}</h2>
        <BarChart
          testId="chart-per-hour"
          counts={health.perHour}
          from={health.from}
          to={health.to}
          bucketMs={HOUR_MS}
          benchmark={{ value: MANAGEABLE_PER_HOUR, label: t('health.benchmarkLine', { limit: MANAGEABLE_PER_HOUR }) }}
          label={t('health.perHour')}
        />
      </section>
      {days > 1 && (
        <section class="report-part">
          <h2>{t('health.perDay', { busiest: busiestDay })}</h2>
          <BarChart
            testId="chart-per-day"
            counts={health.perDay}
            from={health.from}
            to={health.to}
            bucketMs={DAY_MS}
            benchmark={{ value: MANAGEABLE_PER_DAY, label: t('health.benchmarkLine', { limit: MANAGEABLE_PER_DAY }) }}
            label={t('health.perDay', { busiest: busiestDay })}
          />
        </section>
      )}

      <section class="report-part">
        <h2>{t('health.worstPoints')}</h2>
        {health.worstPoints.length === 0 ? (
          <p>{t('health.none')}</p>
        ) : (
          <table data-testid="worst-points">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t('health.point')}</th>
                <th scope="col">{t('health.activations')}</th>
                <th scope="col">{t('health.perDayShort')}</th>
              </tr>
            </thead>
            <tbody>
              {health.worstPoints.map((point, index) => (
                <tr key={point.pointId} data-testid={`worst-${point.pointId}`}>
                  <td>{index + 1}</td>
                  <td>
                    <PointLink pointId={point.pointId} range={range} />
                  </td>
                  <td>{point.activations}</td>
                  <td>{(point.activations / days).toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="report-part">
        <h2>{t('health.floodsTitle', { count: FLOOD_ALARMS })}</h2>
        {health.floods.length === 0 ? (
          <p>{t('health.none')}</p>
        ) : (
          <table data-testid="floods">
            <thead>
              <tr>
                <th scope="col">{t('health.start')}</th>
                <th scope="col">{t('health.end')}</th>
                <th scope="col">{t('health.activations')}</th>
              </tr>
            </thead>
            <tbody>
              {health.floods.map((flood) => (
                <tr key={flood.start}>
                  <td>
                    <Time ms={flood.start} />
                  </td>
                  <td data-testid="flood-end">{flood.ongoing ? t('health.floodOngoing') : <Time ms={flood.end} />}</td>
                  <td>{flood.alarms}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="report-part">
        <h2>{t('health.chatteringTitle', { count: CHATTER_ALARMS })}</h2>
        {health.chattering.length === 0 ? (
          <p>{t('health.none')}</p>
        ) : (
          <table data-testid="chattering">
            <thead>
              <tr>
                <th scope="col">{t('health.alarm')}</th>
                <th scope="col">{t('health.point')}</th>
                <th scope="col">{t('health.activations')}</th>
                <th scope="col">{t('health.maxIn1Min')}</th>
              </tr>
            </thead>
            <tbody>
              {health.chattering.map((alarm) => (
                <tr key={alarm.alarmId}>
                  <td>{alarm.alarmId}</td>
                  <td>
                    <PointLink pointId={alarm.pointId} range={range} />
                  </td>
                  <td>{alarm.activations}</td>
                  <td>{alarm.maxIn1Min}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="report-part">
        <h2>{t('health.staleTitle')}</h2>
        <StandingTable alarms={health.stale} range={range} testId="stale" />
      </section>
      <section class="report-part">
        <h2>{t('health.standingTitle')}</h2>
        <p class="muted">{t('health.standingNote')}</p>
        <StandingTable alarms={health.standing} range={range} testId="standing" />
      </section>
    </>
  );
}

export default function HealthPage() {
  const chosen = useSignal('24h');
  const range = useSignal<Range>(PRESETS[0]!.range());
  const { answer: health, error } = useRangeQuery<AlarmHealth>('/api/v1/alarm-health', range.value);
  return (
    <section class="page health-page">
      <h1>{t('health.title')}</h1>
      <RangePicker
        presets={PRESETS}
        chosen={chosen.value}
        range={range.value}
        onChange={(next, key) => {
          chosen.value = key;
          range.value = next;
        }}
      />
      <p class="range-shown">
        <Time ms={range.value.from} /> – <Time ms={range.value.to} />
      </p>
      {error.value && (
        <p class="form-error" role="alert">
          {t('health.failed', { message: error.value })}
        </p>
      )}
      {health.value === null ? !error.value && <p>{t('overview.loading')}</p> : <Report health={health.value} range={range.value} />}
    </section>
  );
}
