/**
 * The trend chart (uPlot, loaded with this page only): per point the average line inside its min..max band, so a
 * one-reading spike stays visible; the limits as they were, labelled lines (HH/H/L/LL) that step where a threshold was
 * changed, with a diamond at each change (the tooltip names who, when and why); alarm events as
 * ticks along the top with a tooltip; periods without readings and with readings that were not good shaded and
 * hatched. Drag across the chart to zoom (the page re-queries), shift-drag to pan. Times in the site's zone.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AlarmEvent, LimitChange, Limits, Trend } from '../../api/types.ts';
import { formatTime, formatValue, timeZone, utcTooltip } from '../../format.ts';
import { t } from '../../i18n/index.ts';
import { type ChartModel, LIMIT_LABELS, LIMIT_NAMES, type LimitName, type LimitSegment, limitChangeText, type Period } from './model.ts';

const CHART_HEIGHT = 420;
/** Point colours, readable on the dark theme and on high contrast's white. */
const POINT_COLOURS = ['#3d8bfd', '#00a88f', '#b05ce6', '#e0457b'] as const;
export const colourOf = (index: number) => POINT_COLOURS[index % POINT_COLOURS.length]!;
/** How near (px) the cursor must be to an event tick for the tooltip to name it. */
const EVENT_HOVER_PX = 6;
const EVENT_TICK_PX = 14;
const MIN_SELECT_PX = 5;

export interface ChartPoint {
  readonly pointId: string;
  readonly unit: string | null;
  readonly resolution: number | null | undefined;
  /** An on/off point (a limit switch): drawn 0..1 on an axis saying off / on. */
  readonly onOff: boolean;
  /** The limits in force now. */
  readonly limits: Limits;
  /** Each limit over the range, as drawn: a step at each change. */
  readonly segments: Readonly<Record<LimitName, readonly LimitSegment[]>>;
  readonly changes: readonly LimitChange[];
}

export interface ChartProps {
  readonly model: ChartModel;
  readonly trend: Trend;
  readonly points: readonly ChartPoint[];
  /** The units in axis order (at most 2): the first on the left, the second on the right. */
  readonly units: readonly (string | null)[];
  readonly onZoom: (from: number, to: number) => void;
}

const scaleOf = (unit: string | null) => `y:${unit ?? ''}`;
const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** Axis labels in the site's zone, as fine as the span needs. */
function axisTime(ms: number, spanMs: number): string {
  const full = formatTime(ms);
  if (spanMs <= 2 * 3_600_000) return full.slice(11, 19);
  if (spanMs <= 2 * 86_400_000) return full.slice(11, 16);
  if (spanMs <= 60 * 86_400_000) return full.slice(5, 16);
  return full.slice(0, 10);
}

function hatch(ctx: CanvasRenderingContext2D, colour: string): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = tile.height = 10;
  const tileCtx = tile.getContext('2d');
  if (!tileCtx) return colour;
  tileCtx.strokeStyle = colour;
  tileCtx.lineWidth = 2;
  tileCtx.beginPath();
  tileCtx.moveTo(0, 10);
  tileCtx.lineTo(10, 0);
  tileCtx.stroke();
  return ctx.createPattern(tile, 'repeat') ?? colour;
}

/** Hatching light enough that a line drawn over it stays readable. */
const SHADE_ALPHA = 0.45;

function shade(u: uPlot, periods: readonly Period[], fill: CanvasPattern | string): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.globalAlpha = SHADE_ALPHA;
  ctx.fillStyle = fill;
  for (const period of periods) {
    const left = Math.max(bbox.left, u.valToPos(period.from, 'x', true));
    const right = Math.min(bbox.left + bbox.width, u.valToPos(period.to, 'x', true));
    if (right > left) ctx.fillRect(left, bbox.top, Math.max(right - left, 2), bbox.height);
  }
  ctx.restore();
}

const limitColour = (name: LimitName) => (name === 'hihi' || name === 'lolo' ? css('--emergency') : css('--high'));
/** The half-width of a change's mark (a diamond on the new value), px. */
const CHANGE_MARK_PX = 6;

/**
 * Each limit as steps: level over each segment where it held its value, a dotted riser where a person (or the agent)
 * moved it, a diamond on the new value at the change. Each segment wide enough for it carries its label plate at its
 * left end; the first one always does (a live window's newest data is at the right).
 */
function drawLimits(u: uPlot, points: readonly ChartPoint[]): void {
  const { ctx, bbox } = u;
  const pxRatio = devicePixelRatio;
  const right = bbox.left + bbox.width;
  ctx.save();
  ctx.font = `bold ${13 * pxRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 2 * pxRatio;
  for (const point of points) {
    const yOf = (value: number) => u.valToPos(value, scaleOf(point.unit), true);
    for (const name of LIMIT_NAMES) {
      const colour = limitColour(name);
      const dash = name === 'hihi' || name === 'lolo' ? [] : [8 * pxRatio, 5 * pxRatio];
      let labelled = false;
      for (const segment of point.segments[name]) {
        const left = Math.max(bbox.left, u.valToPos(segment.from, 'x', true));
        const end = Math.min(right, u.valToPos(segment.to, 'x', true));
        const y = yOf(segment.value!);
        if (end < left || y < bbox.top || y > bbox.top + bbox.height) continue;
        ctx.strokeStyle = colour;
        ctx.setLineDash(dash);
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(end, y);
        ctx.stroke();
        const label = `${LIMIT_LABELS[name]} ${formatValue(segment.value, point.resolution)}${points.length > 1 ? ` ${point.pointId}` : ''}`;
        const labelWidth = ctx.measureText(label).width + 8 * pxRatio;
        if (labelled && end - left < labelWidth + 12 * pxRatio) continue;
        labelled = true;
        const labelLeft = left + 6 * pxRatio;
        ctx.setLineDash([]);
        ctx.fillStyle = css('--panel');
        ctx.fillRect(labelLeft, y - 9 * pxRatio, labelWidth, 18 * pxRatio);
        ctx.strokeRect(labelLeft, y - 9 * pxRatio, labelWidth, 18 * pxRatio);
        ctx.fillStyle = colour;
        ctx.fillText(label, labelLeft + 4 * pxRatio, y);
      }
    }
    for (const change of point.changes) {
      const x = u.valToPos(change.time, 'x', true);
      if (x < bbox.left || x > right) continue;
      const colour = limitColour(change.limit);
      const ys = [change.old, change.new].filter((value): value is number => value !== null).map(yOf);
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.setLineDash([2 * pxRatio, 3 * pxRatio]);
      ctx.beginPath();
      ctx.moveTo(x, Math.min(...ys));
      ctx.lineTo(x, Math.max(...ys));
      ctx.stroke();
      ctx.setLineDash([]);
      const y = ys.at(-1)!;
      const half = CHANGE_MARK_PX * pxRatio;
      ctx.beginPath();
      ctx.moveTo(x, y - half);
      ctx.lineTo(x + half, y);
      ctx.lineTo(x, y + half);
      ctx.lineTo(x - half, y);
      ctx.closePath();
      ctx.fill();
      ctx.strokeStyle = css('--panel');
      ctx.lineWidth = pxRatio;
      ctx.stroke();
      ctx.lineWidth = 2 * pxRatio;
    }
  }
  ctx.restore();
}

const eventColour = (event: AlarmEvent) => (event.kind === 'raised' ? css('--emergency') : event.kind === 'cleared' ? css('--good') : css('--text'));

function drawEvents(u: uPlot, events: readonly AlarmEvent[]): void {
  const { ctx, bbox } = u;
  const pxRatio = devicePixelRatio;
  ctx.save();
  ctx.lineWidth = 3 * pxRatio;
  for (const event of events) {
    const x = u.valToPos(event.time, 'x', true);
    if (x < bbox.left || x > bbox.left + bbox.width) continue;
    ctx.strokeStyle = eventColour(event);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + EVENT_TICK_PX * pxRatio);
    ctx.moveTo(x, bbox.top + bbox.height - EVENT_TICK_PX * pxRatio);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
  }
  ctx.restore();
}

const EVENT_KINDS = ['raised', 'acknowledged', 'changed', 'cleared', 'reset', 'shelved', 'unshelved', 'suppressed', 'out_of_service', 'returned_to_service', 'handled'] as const;
type KnownKind = (typeof EVENT_KINDS)[number];

/** The event's kind in words; a kind this page does not know is shown as the server names it. */
export function kindWord(kind: string): string {
  return (EVENT_KINDS as readonly string[]).includes(kind) ? t(`trends.eventKind.${kind as KnownKind}`) : kind;
}

export function alarmOf(event: AlarmEvent): string {
  return typeof event.details?.['alarmId'] === 'string' ? event.details['alarmId'] : `${event.pointId ?? ''}/${event.ruleId}`;
}

function eventLine(event: AlarmEvent): string {
  return `${formatTime(event.time)}  ${kindWord(event.kind)}  ${alarmOf(event)}${event.who ? `  ${t('trends.by', { who: event.who })}` : ''}`;
}

/** The limits in force at a time, in words (`L 10  H 30  HH 40`). */
function limitsAt(point: ChartPoint, time: number): string {
  const held = LIMIT_NAMES.flatMap((name) => {
    const segment = point.segments[name].find((candidate) => time >= candidate.from && time < candidate.to);
    return segment ? [`${LIMIT_LABELS[name]} ${formatValue(segment.value, point.resolution)}`] : [];
  });
  return held.length > 0 ? held.join('  ') : t('trends.noLimits');
}

/** A limit change in the tooltip: when, which limit from what to what, who and why. */
function limitChangeLine(point: ChartPoint, change: LimitChange, named: boolean): string {
  const what = limitChangeText(change, (value) => formatValue(value, point.resolution));
  return `${formatTime(change.time)}  ${named ? `${point.pointId} ` : ''}${t('trends.limitChanged', { what, who: change.who, why: change.why })}`;
}

/**
 * The tooltip's lines at the cursor: site time and UTC, each point's value there, events under the cursor. The cursor's
 * index is the nearest bucket, which in a shaded silence is a reading from before or after it: there it says none.
 */
function tooltipLines(u: uPlot, props: ChartProps, left: number): string[] {
  const time = u.posToVal(left, 'x');
  const lines = [formatTime(time), utcTooltip(time)];
  const index = u.cursor.idx;
  props.points.forEach((point, pointIndex) => {
    const [avg, min, max] = props.model.columns[pointIndex]!;
    const silent = props.model.noReadings.some((period) => period.pointId === point.pointId && time >= period.from && time < period.to);
    const at = index == null || silent ? undefined : avg[index];
    const unit = point.unit ?? '';
    if (index == null || at == null) lines.push(`${point.pointId}: ${t('trends.noReadingHere')}`);
    else if (point.onOff) lines.push(`${point.pointId}: ${min[index] === max[index] ? formatValue(at >= 0.5) : `${formatValue(false)} / ${formatValue(true)}`}`);
    else lines.push(`${point.pointId}: ${formatValue(at, point.resolution)} ${unit}  (${formatValue(min[index] ?? null, point.resolution)} .. ${formatValue(max[index] ?? null, point.resolution)})`);
  });
  for (const event of props.trend.events) if (Math.abs(u.valToPos(event.time, 'x') - left) <= EVENT_HOVER_PX) lines.push(eventLine(event));
  for (const point of props.points) {
    // Where the limits moved in the range, those in force at the cursor: the ones an alarm here was judged against.
    if (point.changes.length > 0) lines.push(`${point.pointId}: ${t('trends.limitsThen', { limits: limitsAt(point, time) })}`);
    for (const change of point.changes) if (Math.abs(u.valToPos(change.time, 'x') - left) <= EVENT_HOVER_PX) lines.push(limitChangeLine(point, change, props.points.length > 1));
  }
  return lines;
}

function options(props: ChartProps, width: number, propsRef: { current: ChartProps }): uPlot.Options {
  const tooltip = document.createElement('div');
  tooltip.className = 'trend-tooltip';
  tooltip.setAttribute('role', 'tooltip');
  tooltip.dataset['testid'] = 'trend-tooltip';
  tooltip.hidden = true;
  const text = css('--text');
  const grid = css('--line');
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  props.points.forEach((point, index) => {
    const colour = colourOf(index);
    const scale = scaleOf(point.unit);
    series.push({ label: point.pointId, scale, stroke: colour, width: 2, spanGaps: true, points: { show: false } });
    series.push({ label: `${point.pointId} min`, scale, stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } });
    series.push({ label: `${point.pointId} max`, scale, stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } });
    bands.push({ series: [3 + index * 3, 2 + index * 3], fill: `${colour}55` });
  });
  const scales: uPlot.Scales = { x: { time: true, range: () => [propsRef.current.model.from, propsRef.current.model.to] } };
  const axes: uPlot.Axis[] = [
    {
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid },
      values: (_u, splits) => splits.map((split) => axisTime(split, propsRef.current.model.to - propsRef.current.model.from)),
      space: 90,
    },
  ];
  props.units.forEach((unit, index) => {
    const onOff = props.points.filter((point) => point.unit === unit).every((point) => point.onOff);
    if (onOff) {
      scales[scaleOf(unit)] = { range: [-0.15, 1.15] };
      axes.push({
        scale: scaleOf(unit),
        side: index === 0 ? 3 : 1,
        stroke: text,
        grid: { show: false },
        ticks: { stroke: grid },
        size: 70,
        splits: () => [0, 1],
        values: (_u, splits) => splits.map((split) => formatValue(split === 1)),
      });
      return;
    }
    scales[scaleOf(unit)] = {
      range: (_u, dataMin, dataMax) => {
        const limits = propsRef.current.points
          .filter((point) => point.unit === unit)
          .flatMap((point) => LIMIT_NAMES.flatMap((name) => point.segments[name].map((segment) => segment.value)).filter((value): value is number => value !== null));
        const values = [dataMin, dataMax, ...limits].filter((value) => Number.isFinite(value));
        const low = values.length > 0 ? Math.min(...values) : 0;
        const high = values.length > 0 ? Math.max(...values) : 1;
        const pad = high === low ? Math.max(1, Math.abs(high) * 0.1) : (high - low) * 0.08;
        return [low - pad, high + pad];
      },
    };
    axes.push({ scale: scaleOf(unit), side: index === 0 ? 3 : 1, label: unit ?? '', stroke: text, grid: { show: index === 0, stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 70 });
  });
  let panFrom: { x: number; from: number; to: number; widthPx: number } | null = null;
  const endPan = (event: MouseEvent) => {
    if (!panFrom) return;
    const started = panFrom;
    panFrom = null;
    const msPerPx = (started.to - started.from) / Math.max(1, started.widthPx);
    const shift = (started.x - event.clientX) * msPerPx;
    if (Math.abs(event.clientX - started.x) >= MIN_SELECT_PX) propsRef.current.onZoom(started.from + shift, started.to + shift);
  };
  return {
    width,
    height: CHART_HEIGHT,
    ms: 1,
    tzDate: (ms) => uPlot.tzDate(new Date(ms), timeZone.value),
    legend: { show: false },
    series,
    bands,
    scales,
    axes,
    cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
    hooks: {
      drawAxes: [
        (u) => {
          shade(u, propsRef.current.model.noReadings, hatch(u.ctx, css('--muted')));
          shade(u, propsRef.current.model.notGood, hatch(u.ctx, css('--medium')));
        },
      ],
      draw: [
        (u) => {
          drawLimits(u, propsRef.current.points);
          drawEvents(u, propsRef.current.trend.events);
        },
      ],
      setSelect: [
        (u) => {
          const { left, width: selected } = u.select;
          if (selected < MIN_SELECT_PX) return;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          propsRef.current.onZoom(u.posToVal(left, 'x'), u.posToVal(left + selected, 'x'));
        },
      ],
      setCursor: [
        (u) => {
          const { left, top } = u.cursor;
          if (left == null || left < 0 || panFrom) {
            tooltip.hidden = true;
            return;
          }
          tooltip.hidden = false;
          tooltip.textContent = tooltipLines(u, propsRef.current, left).join('\n');
          const flip = left > u.over.clientWidth / 2;
          tooltip.style.left = flip ? '' : `${left + 16}px`;
          tooltip.style.right = flip ? `${u.over.clientWidth - left + 16}px` : '';
          tooltip.style.top = `${Math.max(0, (top ?? 0) - 10)}px`;
        },
      ],
      ready: [
        (u) => {
          u.over.append(tooltip);
          // Shift-drag pans: the window moves with the pointer, and the page re-queries once on release.
          u.over.addEventListener(
            'mousedown',
            (event) => {
              if (!event.shiftKey) return;
              event.stopPropagation();
              const { from, to } = propsRef.current.model;
              panFrom = { x: event.clientX, from, to, widthPx: u.over.clientWidth };
            },
            true,
          );
          addEventListener('mouseup', endPan);
        },
      ],
      destroy: [() => removeEventListener('mouseup', endPan)],
    },
  };
}

const dataOf = (model: ChartModel): uPlot.AlignedData => [model.x as number[], ...model.columns.flat()] as unknown as uPlot.AlignedData;

export function TrendChart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const plot = useRef<uPlot | null>(null);
  // The chart is rebuilt when its series, axes or theme change; otherwise new data is swapped in.
  const shape = `${props.points.map((point) => `${point.pointId}|${point.unit}|${point.onOff}`).join(',')}/${props.units.join(',')}`;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const build = () => {
      plot.current?.destroy();
      plot.current = new uPlot(options(propsRef.current, element.clientWidth, propsRef), dataOf(propsRef.current.model), element);
    };
    build();
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth, height: CHART_HEIGHT }));
    resize.observe(element);
    const theme = new MutationObserver(build);
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'lang'] });
    return () => {
      resize.disconnect();
      theme.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(dataOf(props.model));
  }, [props.model]);

  return <div ref={host} class="trend-chart-host" />;
}
