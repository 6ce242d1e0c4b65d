/**
 * The site plan ("one map"): the plan image named in the config with each placed point as a marker at its position,
 * in an SVG whose viewBox is the plan's size in plan units, so the markers scale with the image. Each marker is
 * coloured by the point's state and labelled with its value, unit and state word (never colour alone); a click opens
 * the point's trend. Points without a position are listed below, so nothing is left off the map silently.
 */
import { PRIORITIES, type EngineAlarm, type Point } from '../../api/types.ts';
import { formatValue } from '../../format.ts';
import { t, tCode } from '../../i18n/index.ts';
import { alarms, points, site } from '../../live/store.ts';
import { GradeMark } from '../../shell/marks.tsx';
import { activeAlarmsOf, alarmsOffOf, staleSince, trendHref } from '../overview/point-state.ts';
import { useTicking } from '../../shell/clock.ts';
import { layoutLabels, type PlacedLabel, textWidth } from './label-layout.ts';
import './plan.css';

/**
 * A marker's state: the worst active alarm's priority, else a stale or not-good value, else an alarm not in service
 * (the point cannot alarm: never "normal"), else normal; its rank for label placement.
 */
function markerState(point: Point, engine: readonly EngineAlarm[]): { readonly css: string; readonly word: string; readonly rank: number } {
  const worst = activeAlarmsOf(point.id, engine)[0];
  if (worst)
    return { css: `priority-${worst.priority}`, word: t('plan.alarmWord', { priority: t(`priority.${worst.priority}`), state: t(`state.${worst.state}`) }), rank: PRIORITIES.indexOf(worst.priority) };
  if (staleSince(point) !== null) return { css: 'stale', word: t('connection.stale'), rank: PRIORITIES.length };
  if (point.quality !== 'good') return { css: `quality-${point.quality ?? 'none'}`, word: t(`quality.${point.quality ?? 'none'}`), rank: PRIORITIES.length };
  const off = alarmsOffOf(point.id, engine)[0];
  if (off) return { css: 'alarm-off', word: t('plan.alarmOff', { mode: t(`mode.${off.mode}`), rule: tCode('engineRule', off.rule) ?? off.rule }), rank: PRIORITIES.length };
  return { css: 'normal', word: t('plan.normal'), rank: PRIORITIES.length + 1 };
}

/** Marker radius and label sizes in screen pixels with the plan about 1000 px wide (a 1024 px tablet). */
const MARKER_RADIUS_PX = 8;
const LABEL_FONT_PX = 13;

/** Label widths as the page's bold font draws them (a canvas measures them); the estimate where no canvas answers. */
function fontMeasure(): (text: string, fontSize: number) => number {
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return textWidth;
  const family = getComputedStyle(document.body).fontFamily;
  return (text, fontSize) => {
    context.font = `700 ${fontSize}px ${family}`;
    return context.measureText(text).width;
  };
}

interface PlacedMarker {
  readonly point: Point;
  readonly state: ReturnType<typeof markerState>;
  readonly label: string;
  /** The label's lines: id, value and unit; the state word too unless normal (the circle and the legend say normal). */
  readonly lines: readonly string[];
}

function Marker({ marker, radius, fontSize, place }: { readonly marker: PlacedMarker; readonly radius: number; readonly fontSize: number; readonly place: PlacedLabel | undefined }) {
  const { point, state, label } = marker;
  const { x, y } = point.position!;
  return (
    <a
      href={trendHref(point.id)}
      class={`marker marker-${state.css}`}
      data-testid={`marker-${point.id}`}
      data-state={state.css}
      data-label={place ? 'shown' : 'hidden'}
      aria-label={`${label} ${state.word}`}
    >
      <title>{`${label} — ${state.word}`}</title>
      {place?.leader && <line {...place.leader} class="marker-leader" />}
      {/* Alarms are a diamond, the rest a circle: the shape says it as well as the colour. */}
      {state.css.startsWith('priority-') ? (
        <rect x={x - radius} y={y - radius} width={radius * 2} height={radius * 2} transform={`rotate(45 ${x} ${y})`} class="marker-shape" />
      ) : (
        <circle cx={x} cy={y} r={radius} class="marker-shape" />
      )}
      {/* The label's box: readable over the plan's drawing, and part of the link like the marker. */}
      {place && <rect x={place.x} y={place.y} width={place.width} height={place.height} class="marker-label-box" />}
      {place && (
        <text x={place.textX} y={place.baseline} class="marker-label" font-size={fontSize} data-testid="marker-text">
          {marker.lines[0]}
        </text>
      )}
      {place && marker.lines[1] !== undefined && (
        <text x={place.textX} y={place.baseline + place.lineHeight} class="marker-label marker-word" font-size={fontSize * 0.9} data-testid="marker-word">
          {marker.lines[1]}
        </text>
      )}
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
  // Plan units per screen pixel with the plan about 1000 px wide: markers and labels stay readable whatever the plan's units.
  const scale = plan ? plan.width / 1000 : 1;
  const radius = MARKER_RADIUS_PX * scale;
  const fontSize = LABEL_FONT_PX * scale;
  const markers: PlacedMarker[] = placed.map((point) => {
    const state = markerState(point, alarms.value.engine);
    const label = `${point.id} ${formatValue(point.value, point.resolution)} ${point.unit ?? ''}`.trim();
    return { point, state, label, lines: state.css === 'normal' ? [label] : [label, state.word] };
  });
  const labels = plan
    ? layoutLabels(
        markers.map(({ point, state, lines }) => ({
          id: point.id,
          x: point.position!.x,
          y: point.position!.y,
          radius: radius * Math.SQRT2,
          lines,
          fontSize,
          rank: state.rank,
          leader: state.css.startsWith('priority-'),
        })),
        plan,
        fontMeasure(),
      )
    : new Map<string, PlacedLabel>();
  const hiddenLabels = markers.length - labels.size;
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
            {markers.map((marker) => (
              <Marker key={marker.point.id} marker={marker} radius={radius} fontSize={fontSize} place={labels.get(marker.point.id)} />
            ))}
          </svg>
          <p class="plan-legend" data-testid="plan-legend">
            {t('plan.legend')}
            {hiddenLabels > 0 && ` ${t('plan.labelsHidden', { count: hiddenLabels })}`}
          </p>
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
              const state = markerState(point, alarms.value.engine);
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
