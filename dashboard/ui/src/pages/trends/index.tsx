/**
 * Trends and point detail: `/trends?points=<id>[,<id>...]&range=1h` (or `&from=&to=`, epoch ms). The chart asks the
 * server for as many buckets as it is wide; each zoom, pan or preset changes the URL (so a view can be shared) and
 * queries again; a range ending now is re-queried every few seconds. Below it the threshold changes of the range (who,
 * why), the alarm events of the range and each point's details. An empty range or a failed query says so in words: never an empty chart that looks calm.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api/client.ts';
import type { PointDetails, Trend } from '../../api/types.ts';
import { formatValue } from '../../format.ts';
import { t } from '../../i18n/index.ts';
import { alarms, points, site } from '../../live/store.ts';
import { alarmsNotInService } from './alarm-modes.ts';
import { AlarmService } from './AlarmService.tsx';
import { QualityMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';
import { alarmOf, type ChartPoint, colourOf, kindWord, TrendChart } from './Chart.tsx';
import { staleSince } from '../overview/point-state.ts';
import { useTicking } from '../../shell/clock.ts';
import { buildModel, LIMIT_LABELS, LIMIT_NAMES, limitChangeText, limitSegments, limitsText } from './model.ts';
import { clampedWindow, parseView, RANGES, type RangeName, spanOf, type TrendView, viewUrl } from './url.ts';
import './trends.css';
import { errorText } from '../../api/error-text.ts';

const MAX_UNITS = 2;
const MAX_POINTS = 20;
const MAX_BUCKETS = 2000;
/** The y axes take this much of the chart's width: the plot area is the rest. */
const AXES_PX = 140;
const LIVE_REFRESH_MIN_MS = 5000;
const LIVE_REFRESH_MAX_MS = 60_000;

type Load = { readonly state: 'loading' } | { readonly state: 'loaded'; readonly trend: Trend; readonly at: number } | { readonly state: 'failed'; readonly message: string };

function Limits({ point }: { readonly point: ChartPoint }) {
  const set = LIMIT_NAMES.filter((name) => point.limits[name] !== null);
  if (set.length === 0) return <span>{t('trends.noLimits')}</span>;
  return <span>{set.map((name) => `${LIMIT_LABELS[name]} ${formatValue(point.limits[name], point.resolution)}`).join('  ')}</span>;
}

function Legend({ trend, chartPoints }: { readonly trend: Trend; readonly chartPoints: readonly ChartPoint[] }) {
  return (
    <ul class="trend-legend" data-testid="trend-legend">
      {chartPoints.map((point, index) => {
        const series = trend.series.find((candidate) => candidate.pointId === point.pointId);
        return (
          <li key={point.pointId} data-testid={`legend-${point.pointId}`} data-limits={limitsText(point.limits)} data-unit={point.unit ?? ''}>
            <span class="swatch" ref={(element) => element?.style.setProperty('--swatch', colourOf(index))} />
            <strong>{point.pointId}</strong> <span data-testid="legend-unit">{point.unit ?? t('trends.noUnit')}</span>
            <span class="muted"> {series ? t(`trends.source.${series.source}`) : ''}</span>
            <div class="muted">
              {/* Where a limit moved in the range, the legend's are today's: the chart's steps are the ones then. */}
              {point.changes.length > 0 && t('trends.limitsNow')}
              <Limits point={point} />
            </div>
          </li>
        );
      })}
      <li class="trend-key muted">{t('trends.keyBand')}</li>
      <li class="trend-key muted">
        <span class="key-hatch key-none" /> {t('trends.keyNoReadings')}
      </li>
      <li class="trend-key muted">
        <span class="key-hatch key-bad" /> {t('trends.keyNotGood')}
      </li>
      <li class="trend-key muted">
        <span class="key-tick" /> {t('trends.keyEvents')}
      </li>
      {chartPoints.some((point) => point.changes.length > 0) && (
        <li class="trend-key muted">
          <span class="key-diamond" /> {t('trends.keyLimitChanges')}
        </li>
      )}
    </ul>
  );
}

function Events({ trend }: { readonly trend: Trend }) {
  return (
    <section class="trend-events">
      <h2>{t('trends.events')}</h2>
      {trend.eventsTruncated && <p class="form-error">{t('trends.eventsTruncated')}</p>}
      {trend.events.length === 0 ? (
        <p data-testid="no-events">{t('trends.noEvents')}</p>
      ) : (
        <table data-testid="trend-events">
          <thead>
            <tr>
              <th scope="col">{t('trends.time')}</th>
              <th scope="col">{t('trends.kind')}</th>
              <th scope="col">{t('trends.alarm')}</th>
              <th scope="col">{t('trends.who')}</th>
            </tr>
          </thead>
          <tbody>
            {[...trend.events].reverse().map((event) => (
              <tr key={event.seq} data-testid="trend-event" data-kind={event.kind}>
                <td>
                  <Time ms={event.time} />
                </td>
                <td>{kindWord(event.kind)}</td>
                <td>{alarmOf(event)}</td>
                <td>{event.who ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The threshold changes of the range, newest first: when, which limit from what to what, who and why. */
function LimitChanges({ trend, chartPoints }: { readonly trend: Trend; readonly chartPoints: readonly ChartPoint[] }) {
  const rows = chartPoints.flatMap((point) => point.changes.map((change) => ({ point, change }))).sort((a, b) => b.change.time - a.change.time);
  const cut = trend.series.map((series) => series.limitsRecordedFrom).find((time) => time !== null);
  if (rows.length === 0 && cut === undefined) return null;
  return (
    <section class="trend-events" data-testid="limit-changes">
      <h2>{t('trends.limitChanges')}</h2>
      {cut !== undefined && (
        <p class="form-error" data-testid="limits-recorded-from">
          {t('trends.limitsRecordedFrom')} <Time ms={cut} />
        </p>
      )}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('trends.time')}</th>
              <th scope="col">{t('trends.point')}</th>
              <th scope="col">{t('trends.limitChange')}</th>
              <th scope="col">{t('trends.who')}</th>
              <th scope="col">{t('trends.why')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ point, change }) => (
              <tr key={`${point.pointId}/${change.time}/${change.limit}`} data-testid="limit-change" data-limit={change.limit} data-kind={change.kind}>
                <td>
                  <Time ms={change.time} />
                </td>
                <td>{point.pointId}</td>
                <td>
                  {limitChangeText(change, (value) => formatValue(value, point.resolution))}
                  {change.kind === 'changed' ? '' : ` (${t(`trends.limitChangeKind.${change.kind}`)})`}
                </td>
                <td>{change.who}</td>
                <td>{change.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Detail({ label, value }: { readonly label: string; readonly value: string | number | null | undefined }) {
  if (value === null || value === undefined || value === '') return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

function PointDetail({ pointId, index }: { readonly pointId: string; readonly index: number }) {
  const point = points.value.get(pointId) as PointDetails | undefined;
  if (!point) return null;
  const areaName = site.value?.areas.find((area) => area.id === point.area)?.name ?? point.area;
  const limits = point.thresholds;
  const notInService = alarmsNotInService(pointId, alarms.value.engine, point.outOfService);
  const isStale = staleSince(point) !== null;
  return (
    <section class="point-detail" data-testid={`detail-${pointId}`}>
      <h2>
        <span class="swatch" ref={(element) => element?.style.setProperty('--swatch', colourOf(index))} /> {point.description ?? pointId}
      </h2>
      <p class={`value${isStale ? ' is-stale' : ''}`}>
        <span data-testid="current-value">{formatValue(point.value, point.resolution)}</span> {point.unit ?? ''}{' '}
        {/* A last-known "good" is not good now: while the stream is down or the reading is older than it stays current, the quality says stale. */}
        {isStale ? <span class="mark quality-uncertain">{t('connection.stale')}</span> : <QualityMark quality={point.quality} reason={point.reason} />}{' '}
        <span class="muted">
          <Time ms={point.receiveTime} />
        </span>
      </p>
      <dl>
        <Detail label={t('trends.point')} value={pointId} />
        <Detail label={t('trends.device')} value={point.device} />
        <Detail label={t('trends.area')} value={areaName} />
        <Detail label={t('trends.unit')} value={point.unit} />
        <Detail label={t('trends.gas')} value={point.gas} />
        <Detail
          label={t('trends.limits')}
          value={
            limits
              ? LIMIT_NAMES.filter((name) => limits[name] !== null)
                  .map((name) => `${LIMIT_LABELS[name]} ${formatValue(limits[name], point.resolution)}`)
                  .join('  ') || t('trends.noLimits')
              : null
          }
        />
        {notInService.length > 0 && (
          <>
            <dt>{t('trends.alarmModes')}</dt>
            <dd data-testid="alarms-not-in-service">
              {notInService.map((line) => (
                <div key={line}>{line}</div>
              ))}
            </dd>
          </>
        )}
        <Detail label={t('trends.range')} value={point.range ? `${point.range[0]} .. ${point.range[1]}` : null} />
        <Detail label={t('trends.tagNumber')} value={point.tagNumber} />
        <Detail label={t('trends.indicatorCode')} value={point.indicatorCode} />
        <Detail label={t('trends.equipmentCode')} value={point.equipmentCode} />
        <Detail label={t('trends.hazardSourceCode')} value={point.hazardSourceCode} />
        <Detail label={t('trends.casNumber')} value={point.casNumber} />
        <Detail label={t('trends.pollInterval')} value={point.pollIntervalMs == null ? null : t('trends.seconds', { count: point.pollIntervalMs / 1000 })} />
        <Detail label={t('trends.freshFor')} value={point.freshForMs == null ? null : t('trends.seconds', { count: point.freshForMs / 1000 })} />
        <Detail label={t('trends.disabled')} value={point.disabled ? t('trends.disabledBy', { who: point.disabled.by, why: point.disabled.reason }) : null} />
      </dl>
      <AlarmService pointId={pointId} limits={limits} engine={alarms.value.engine} />
    </section>
  );
}

/** Points by area with a search box; a point of a third unit cannot be added (one axis per unit, two at most). */
function PointPicker({ view, go }: { readonly view: TrendView; readonly go: (next: TrendView) => void }) {
  const [search, setSearch] = useState('');
  const chosen = new Set(view.pointIds);
  const units = new Set(view.pointIds.map((id) => points.value.get(id)?.unit ?? null));
  const needle = search.trim().toLowerCase();
  const byArea = new Map<string, PointDetails[]>();
  for (const point of points.value.values() as Iterable<PointDetails>) {
    if (needle && !`${point.id} ${point.description ?? ''} ${point.device ?? ''} ${point.tagNumber ?? ''}`.toLowerCase().includes(needle)) continue;
    const area = point.area ?? '';
    byArea.set(area, [...(byArea.get(area) ?? []), point]);
  }
  const areaName = (id: string) => (id === '' ? t('trends.noArea') : (site.value?.areas.find((area) => area.id === id)?.name ?? id));
  const toggle = (id: string) => go({ ...view, pointIds: chosen.has(id) ? view.pointIds.filter((other) => other !== id) : [...view.pointIds, id] });
  return (
    <details class="point-picker" open={view.pointIds.length === 0}>
      <summary data-testid="point-picker">{t('trends.pickPoints')}</summary>
      <input type="search" data-testid="point-search" placeholder={t('trends.search')} aria-label={t('trends.search')} value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
      {[...byArea].map(([area, areaPoints]) => (
        <fieldset key={area}>
          <legend>{areaName(area)}</legend>
          {areaPoints.map((point) => {
            const blocked = !chosen.has(point.id) && ((!units.has(point.unit) && units.size >= MAX_UNITS) || chosen.size >= MAX_POINTS);
            return (
              <label key={point.id} title={blocked ? t('trends.tooManyUnits') : undefined}>
                <input type="checkbox" data-testid={`pick-${point.id}`} checked={chosen.has(point.id)} disabled={blocked} onChange={() => toggle(point.id)} /> {point.id}{' '}
                <span class="muted">{point.unit ?? ''}</span>
              </label>
            );
          })}
        </fieldset>
      ))}
    </details>
  );
}

function Toolbar({ view, span, go, loadedAt }: { readonly view: TrendView; readonly span: { from: number; to: number }; readonly go: (next: TrendView) => void; readonly loadedAt: number | null }) {
  const width = span.to - span.from;
  const shift = (by: number) => go({ ...view, window: clampedWindow(span.from + by, span.to + by) });
  const laterAllowed = view.window.kind === 'fixed' && span.to < Date.now();
  return (
    <div class="trend-toolbar">
      <fieldset class="trend-presets">
        <legend class="visually-hidden">{t('trends.presets')}</legend>
        {(Object.keys(RANGES) as RangeName[]).map((range) => (
          <button
            key={range}
            type="button"
            data-testid={`range-${range}`}
            aria-pressed={view.window.kind === 'live' && view.window.range === range}
            onClick={() => go({ ...view, window: { kind: 'live', range } })}
          >
            {t(`trends.ranges.r${range}`)}
          </button>
        ))}
      </fieldset>
      <fieldset class="trend-pan">
        <legend class="visually-hidden">{t('trends.pan')}</legend>
        <button type="button" data-testid="pan-earlier" onClick={() => shift(-width / 2)}>
          ◀ {t('trends.earlier')}
        </button>
        <button type="button" data-testid="zoom-out" onClick={() => go({ ...view, window: clampedWindow(span.from - width / 2, Math.min(span.to + width / 2, Date.now())) })}>
          {t('trends.zoomOut')}
        </button>
        <button type="button" data-testid="pan-later" disabled={!laterAllowed} onClick={() => shift(width / 2)}>
          {t('trends.later')} ▶
        </button>
      </fieldset>
      <p class="trend-window" data-testid="trend-window">
        <Time ms={span.from} /> – <Time ms={span.to} />{' '}
        {view.window.kind === 'live' ? (
          <span class="mark live-mark" data-testid="live">
            {t('trends.live')}
          </span>
        ) : null}
        {loadedAt !== null && (
          <span class="muted">
            {' '}
            {t('trends.updated')} <Time ms={loadedAt} />
          </span>
        )}
      </p>
    </div>
  );
}

export default function TrendsPage() {
  useTicking();
  const { query, route } = useLocation();
  const view = parseView(query);
  const viewKey = viewUrl(view);
  const go = (next: TrendView) => route(viewUrl(next), true);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [now, setNow] = useState(Date.now());
  const chartArea = useRef<HTMLDivElement>(null);
  const span = spanOf(view.window, now);

  // Two units at most: the points of the first two units are drawn, the others named as left out.
  const unitOf = (id: string) => points.value.get(id)?.unit ?? null;
  const units = [...new Set(view.pointIds.map(unitOf))];
  const drawnIds = view.pointIds.filter((id) => units.indexOf(unitOf(id)) < MAX_UNITS);
  const leftOut = view.pointIds.filter((id) => !drawnIds.includes(id));
  const pointsReady = points.value.size > 0;

  useEffect(() => {
    if (drawnIds.length === 0 || !pointsReady) return;
    let current = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const fetchTrend = async () => {
      const at = Date.now();
      const { from, to } = spanOf(view.window, at);
      const width = (chartArea.current?.clientWidth ?? 900) - AXES_PX;
      const buckets = Math.max(1, Math.min(MAX_BUCKETS, Math.round(width)));
      const path = `/api/v1/trends?points=${drawnIds.map(encodeURIComponent).join(',')}&from=${Math.round(from)}&to=${Math.round(to)}&buckets=${buckets}`;
      try {
        const trend = await api.get<Trend>(path);
        if (!current) return;
        setNow(at);
        setLoad({ state: 'loaded', trend, at });
      } catch (error) {
        if (current) setLoad({ state: 'failed', message: errorText(error) });
      }
      if (current && view.window.kind === 'live') {
        const refreshMs = Math.min(LIVE_REFRESH_MAX_MS, Math.max(LIVE_REFRESH_MIN_MS, RANGES[view.window.range] / MAX_BUCKETS));
        timer = setTimeout(fetchTrend, refreshMs);
      }
    };
    setLoad({ state: 'loading' });
    void fetchTrend();
    return () => {
      current = false;
      if (timer) clearTimeout(timer);
    };
  }, [viewKey, pointsReady]);

  const trend = load.state === 'loaded' ? load.trend : null;
  const model = useMemo(() => (trend ? buildModel(trend, load.state === 'loaded' ? load.at : Date.now()) : null), [trend]);
  const chartPoints: ChartPoint[] = (trend?.series ?? []).map((series) => ({
    pointId: series.pointId,
    unit: series.unit,
    resolution: points.value.get(series.pointId)?.resolution,
    onOff: typeof points.value.get(series.pointId)?.value === 'boolean',
    limits: series.limits,
    segments: limitSegments(series, trend?.from ?? 0, trend?.to ?? 0),
    changes: series.limitChanges,
  }));
  const chartUnits = [...new Set(chartPoints.map((point) => point.unit))];
  const notGoodCount = trend?.series.reduce((sum, series) => sum + series.notGood.reduce((inner, bucket) => inner + bucket.count, 0), 0) ?? 0;

  return (
    <section class="page trends">
      <h1>{t('trends.title')}</h1>
      <PointPicker view={view} go={go} />
      {view.pointIds.length === 0 ? (
        <p class="trend-message" data-testid="trend-message">
          {t('trends.choose')}
        </p>
      ) : (
        <>
          <Toolbar view={view} span={span} go={go} loadedAt={load.state === 'loaded' ? load.at : null} />
          {leftOut.length > 0 && <p class="form-error">{t('trends.leftOut', { points: leftOut.join(', ') })}</p>}
          <div
            ref={chartArea}
            class="trend-chart"
            data-testid="trend-chart"
            data-state={load.state}
            data-from={trend?.from}
            data-to={trend?.to}
            data-events={trend?.events.length}
            data-not-good={model?.notGood.length}
            data-no-readings={model?.noReadings.length}
          >
            {trend && <Legend trend={trend} chartPoints={chartPoints} />}
            {load.state === 'failed' && (
              <p class="trend-message trend-error" role="alert" data-testid="trend-error">
                {t('trends.failed', { message: load.message })}
              </p>
            )}
            {load.state === 'loading' && (
              <p class="trend-message" data-testid="trend-loading">
                {t('trends.loading')}
              </p>
            )}
            {model?.empty && (
              <p class="trend-message trend-error" role="status" data-testid="trend-empty">
                {notGoodCount > 0 ? t('trends.noGoodReadings', { count: notGoodCount }) : t('trends.noReadings')}
              </p>
            )}
            {trend && model && <TrendChart model={model} trend={trend} points={chartPoints} units={chartUnits} onZoom={(from, to) => go({ ...view, window: clampedWindow(from, to) })} />}
            <p class="muted" data-testid="drag-hint">
              {t('trends.dragHint')}
            </p>
          </div>
          {trend && <LimitChanges trend={trend} chartPoints={chartPoints} />}
          {trend && <Events trend={trend} />}
          <div class="point-details">
            {view.pointIds.map((id, index) => (
              <PointDetail key={id} pointId={id} index={index} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
