/**
 * The plant at a glance: the site's warning grade and major-hazard grade, each area with its grade (colour and word)
 * and kind, its points' live values (each a link to its trend) with quality, alarm state and staleness, and the
 * devices' health, with a dead, faulty or overdue device listed on top so it cannot be missed.
 */
import type { EngineAlarm, Point, WarningGrade } from '../../api/types.ts';
import { formatValue } from '../../format.ts';
import { t } from '../../i18n/index.ts';
import { alarms, points, site } from '../../live/store.ts';
import { GradeMark, ModeMark, PriorityMark, QualityMark, RuleName, StateMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';
import { DeviceHealth, faultReasonOf } from './DeviceHealth.tsx';
import { activeAlarmsOf, alarmsOffOf, staleSince, trendHref } from './point-state.ts';
import { useTicking } from '../../shell/clock.ts';
import './overview.css';

function PointRow({ point, pointAlarms, offAlarms }: { readonly point: Point; readonly pointAlarms: readonly EngineAlarm[]; readonly offAlarms: readonly EngineAlarm[] }) {
  const since = staleSince(point);
  const isStale = since !== null;
  return (
    <tr data-testid={`point-${point.id}`}>
      <th scope="row">
        <a href={trendHref(point.id)}>{point.id}</a>
      </th>
      <td class={`value${isStale ? ' is-stale' : ''}`}>
        <a href={trendHref(point.id)} class="value-link" title={t('overview.openTrend', { id: point.id })}>
          <span data-testid="value">{formatValue(point.value, point.resolution)}</span>
          {point.value !== null && point.unit && (
            <span class="unit" data-testid="unit">
              {point.unit}
            </span>
          )}
        </a>
        {isStale && (
          <span class="stale-mark" data-testid="stale">
            {t('connection.stale')}
          </span>
        )}
        <div class="muted">
          {isStale ? (
            <span data-testid="stale-since">
              {t('overview.staleSince')} <Time ms={since} />
            </span>
          ) : (
            <Time ms={point.receiveTime} />
          )}
        </div>
      </td>
      <td>
        {/* A last-known "good" is not good now: a stale value's quality says stale. */}
        {isStale ? <span class="mark quality-uncertain">{t('connection.stale')}</span> : <QualityMark quality={point.quality} reason={point.reason ?? faultReasonOf(point.id)} />}
      </td>
      <td data-testid="alarm-state">
        {pointAlarms.length === 0 && offAlarms.length === 0 && t('overview.noAlarm')}
        {pointAlarms.map((alarm) => (
          <div key={alarm.id}>
            <PriorityMark priority={alarm.priority} /> <StateMark state={alarm.state} /> <RuleName rule={alarm.rule} />
          </div>
        ))}
        {offAlarms.map((alarm) => (
          <div key={`off-${alarm.id}`} data-testid="alarm-off">
            <ModeMark mode={alarm.mode} /> <RuleName rule={alarm.rule} />
          </div>
        ))}
      </td>
    </tr>
  );
}

function SiteSummary() {
  const answer = site.value;
  if (!answer) return null;
  return (
    <div class="site-summary" data-testid="site-summary">
      <span>
        {t('overview.siteGrade')} <GradeMark grade={answer.warningGrade} />
      </span>
      {answer.majorHazard && (
        <span class="mark major-hazard" data-testid="major-hazard">
          {t('overview.majorHazard', { grade: t(`overview.hazardGrade.g${answer.majorHazard.grade as 1 | 2 | 3 | 4}`), r: answer.majorHazard.r.toFixed(1) })}
        </span>
      )}
      {answer.plan && <a href="/plan">{t('overview.openPlan')}</a>}
    </div>
  );
}

export function Overview() {
  useTicking();
  const byArea = new Map<string | null, Point[]>();
  for (const point of points.value.values()) byArea.set(point.area, [...(byArea.get(point.area) ?? []), point]);
  const areaInfo = new Map((site.value?.areas ?? []).map((area) => [area.id, area]));
  const engine = alarms.value.engine;
  if (points.value.size === 0) return <p class="page">{t('overview.loading')}</p>;
  return (
    <section class="page">
      <h1>{t('overview.title')}</h1>
      <SiteSummary />
      <DeviceHealth />
      {/* The site's areas first; points in no area (device diagnostics) last. */}
      {[...byArea]
        .sort(([a], [b]) => (a === null ? 1 : 0) - (b === null ? 1 : 0))
        .map(([areaId, areaPoints]) => {
          const area = areaId === null ? undefined : areaInfo.get(areaId);
          const grade: WarningGrade = area?.warningGrade ?? 'normal';
          return (
            <section key={areaId ?? ''} class={`area area-${grade}`} data-testid={`area-${areaId ?? 'none'}`}>
              <h2>
                {area?.name ?? areaId ?? t('overview.noArea')} <GradeMark grade={grade} />
                {area?.kind && (
                  <span class="area-kind" data-testid="area-kind">
                    {t(`overview.kind.${area.kind}`)}
                  </span>
                )}
              </h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('overview.point')}</th>
                    <th scope="col">{t('overview.value')}</th>
                    <th scope="col">{t('overview.quality')}</th>
                    <th scope="col">{t('overview.alarm')}</th>
                  </tr>
                </thead>
                <tbody>
                  {areaPoints.map((point) => (
                    <PointRow key={point.id} point={point} pointAlarms={activeAlarmsOf(point.id, engine)} offAlarms={alarmsOffOf(point.id, engine)} />
                  ))}
                </tbody>
              </table>
            </section>
          );
        })}
    </section>
  );
}
