/** The plant at a glance: each area with its warning grade (colour and word) and its points' live values. */
import type { EngineAlarm, Point, WarningGrade } from '../../api/types.ts';
import { formatValue } from '../../format.ts';
import { t } from '../../i18n/index.ts';
import { alarms, points, site, stale } from '../../live/store.ts';
import { GradeMark, PriorityMark, QualityMark, StateMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';

function PointRow({ point, pointAlarms, isStale }: { readonly point: Point; readonly pointAlarms: readonly EngineAlarm[]; readonly isStale: boolean }) {
  return (
    <tr data-testid={`point-${point.id}`}>
      <th scope="row">{point.id}</th>
      <td class={`value${isStale ? ' is-stale' : ''}`}>
        <span data-testid="value">{formatValue(point.value, point.resolution)}</span> {point.unit ?? ''}
        {isStale && (
          <span class="stale-mark" data-testid="stale">
            {t('connection.stale')}
          </span>
        )}
        <div class="muted">
          <Time ms={point.receiveTime} />
        </div>
      </td>
      <td>
        {/* A last-known "good" is not good now: while the stream is down the quality says stale. */}
        {isStale ? <span class="mark quality-uncertain">{t('connection.stale')}</span> : <QualityMark quality={point.quality} reason={point.reason?.message ?? null} />}
      </td>
      <td>
        {pointAlarms.length === 0
          ? t('overview.noAlarm')
          : pointAlarms.map((alarm) => (
              <div key={alarm.id}>
                <PriorityMark priority={alarm.priority} /> <StateMark state={alarm.state} /> {alarm.rule}
              </div>
            ))}
      </td>
    </tr>
  );
}

export function Overview() {
  const byArea = new Map<string | null, Point[]>();
  for (const point of points.value.values()) byArea.set(point.area, [...(byArea.get(point.area) ?? []), point]);
  const areaInfo = new Map((site.value?.areas ?? []).map((area) => [area.id, area]));
  const isStale = stale.value;
  const activeAlarms = alarms.value.engine.filter((alarm) => alarm.state !== 'normal');
  if (points.value.size === 0) return <p class="page">{t('overview.loading')}</p>;
  return (
    <section class="page">
      <h1>{t('overview.title')}</h1>
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
                    <PointRow key={point.id} point={point} pointAlarms={activeAlarms.filter((alarm) => alarm.pointId === point.id)} isStale={isStale} />
                  ))}
                </tbody>
              </table>
            </section>
          );
        })}
    </section>
  );
}
