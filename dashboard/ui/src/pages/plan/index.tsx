/**
 * The site plan ("one map"): the plan image named in the config with each placed point as a marker at its position,
 * in an SVG whose viewBox is the plan's size in plan units, so the markers scale with the image. Each marker is
 * coloured by the point's state and labelled with its value, unit and state word (never colour alone); a click opens
 * the point's trend. Points without a position are listed below, so nothing is left off the map silently.
 */
import type { EngineAlarm, Point } from '../../api/types.ts';
import { formatValue } from '../../format.ts';
import { t } from '../../i18n/index.ts';
import { alarms, points, site } from '../../live/store.ts';
import { GradeMark } from '../../shell/marks.tsx';
import { activeAlarmsOf, staleSince, trendHref, useTicking } from '../overview/point-state.ts';
import './plan.css';

/** A marker's state: the worst active alarm's priority, else a stale or not-good value, else normal. */
function markerState(point: Point, pointAlarms: readonly EngineAlarm[]): { readonly css: string; readonly word: string } {
  const worst = pointAlarms[0];
  if (worst) return { css: `priority-${worst.priority}`, word: t('plan.alarmWord', { priority: t(`priority.${worst.priority}`), state: t(`state.${worst.state}`) }) };
  if (staleSince(point) !== null) return { css: 'stale', word: t('connection.stale') };
  if (point.quality !== 'good') return { css: `quality-${point.quality ?? 'none'}`, word: t(`quality.${point.quality ?? 'none'}`) };
  return { css: 'normal', word: t('plan.normal') };
}

function Marker({ point, x, y, scale }: { readonly point: Point; readonly x: number; readonly y: number; readonly scale: number }) {
  const state = markerState(point, activeAlarmsOf(point.id, alarms.value.engine));
  const label = `${point.id} ${formatValue(point.value, point.resolution)} ${point.unit ?? ''}`.trim();
  const radius = 16 * scale;
  return (
    <a href={trendHref(point.id)} class={`marker marker-${state.css}`} data-testid={`marker-${point.id}`} data-state={state.css} aria-label={`${label} ${state.word}`}>
      <title>{`${label} — ${state.word}`}</title>
      {/* Alarms are a diamond, the rest a circle: the shape says it as well as the colour. */}
      {state.css.startsWith('priority-') ? (
        <rect x={x - radius} y={y - radius} width={radius * 2} height={radius * 2} transform={`rotate(45 ${x} ${y})`} class="marker-shape" />
      ) : (
        <circle cx={x} cy={y} r={radius} class="marker-shape" />
      )}
      <text x={x + radius * 1.6} y={y - radius * 0.2} class="marker-label" font-size={22 * scale}>
        {label}
      </text>
      <text x={x + radius * 1.6} y={y + radius * 1.3} class="marker-label marker-word" font-size={20 * scale} data-testid="marker-word">
        {state.word}
      </text>
    </a>
  );
}

export default function PlanPage() {
  useTicking();
  const answer = site.value;
  if (!answer) return <p class="page">{t('overview.loading')}</p>;
  const plan = answer.plan;
  const all = [...points.value.values()];
  const placed = all.filter((point) => point.position);
  const unplaced = all.filter((point) => !point.position);
  // Plan units per screen pixel with the plan about 1000 px wide: labels stay readable whatever the plan's units.
  const scale = plan ? plan.width / 1000 : 1;
  return (
    <section class="page">
      <h1>
        {t('plan.title')} <GradeMark grade={answer.warningGrade} />
      </h1>
      {plan ? (
        <div class="plan">
          <svg viewBox={`0 0 ${plan.width} ${plan.height}`} class="plan-svg" data-testid="plan">
            <title>{t('plan.title')}</title>
            <image href={plan.url} x={0} y={0} width={plan.width} height={plan.height} />
            {placed.map((point) => (
              <Marker key={point.id} point={point} x={point.position!.x} y={point.position!.y} scale={scale} />
            ))}
          </svg>
        </div>
      ) : (
        <p class="plan-none" data-testid="plan-none">
          {t('plan.none')}
        </p>
      )}
      {unplaced.length > 0 && (
        <section>
          <h2>{t('plan.unplaced')}</h2>
          <ul class="plan-unplaced">
            {unplaced.map((point) => {
              const state = markerState(point, activeAlarmsOf(point.id, alarms.value.engine));
              return (
                <li key={point.id}>
                  <a href={trendHref(point.id)}>
                    {point.id} {formatValue(point.value, point.resolution)} {point.unit ?? ''}
                  </a>{' '}
                  <span class={`mark marker-${state.css}`}>{state.word}</span>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </section>
  );
}
