/**
 * The region map, drawn here in SVG (a closed network has no tile server): a graticule with its longitudes and
 * latitudes, a scale bar, and each site at its location as its grade's shape and colour with its name and grade in
 * words; an offline site carries a dashed ring and the word. The view fits the sites shown (the region filter). Where
 * a site is comes from its points' coordinates (GET /api/v1/sites `location`); sites without are listed under the map.
 * No province outlines on purpose: a map of China published in China must follow the approved standard boundaries
 * (地图管理条例, a 审图号), which the boundary data on npm does not promise (ECharts withdrew its China map for this);
 * a bureau's approved outline can be added later as a lazily loaded layer.
 */
import { t as tDashboard } from '@hazmon/dashboard/ui/i18n';
import { useLocation } from 'preact-iso';
import type { HubSite } from '../api-types.ts';
import { t } from '../i18n.ts';
import { RegionFilter, useRegion } from '../region.tsx';
import { type MapGrade, mapGrade, siteName } from '../site-state.tsx';
import { useSites } from '../sites-data.ts';

const WIDTH = 960;
const HEIGHT = 540;
const MARGIN = { left: 78, right: 24, top: 20, bottom: 44 } as const;
/** The smallest span shown (degrees of latitude): one site alone still gets a readable neighbourhood. */
const MIN_SPAN_DEG = 0.2;
const KM_PER_DEGREE = 111.32;
/** Beyond this many sites only the non-normal ones are named on the map (the list names them all). */
const LABEL_ALL_UP_TO = 40;
/** Drawn under the others: normal first, the red last (on top). */
const DRAW_ORDER: readonly MapGrade[] = ['normal', 'silent', 'blue', 'yellow', 'orange', 'red'];

interface Placed {
  readonly site: HubSite;
  readonly lon: number;
  readonly lat: number;
}

interface Projection {
  readonly x: (lon: number) => number;
  readonly y: (lat: number) => number;
  readonly lon: readonly [number, number];
  readonly lat: readonly [number, number];
  /** Kilometres per SVG unit. */
  readonly kmPerUnit: number;
}

/** Equirectangular at the view's middle latitude (true to scale there), the sites' box with a margin, centred. */
function project(placed: readonly Placed[]): Projection {
  const lons = placed.map((entry) => entry.lon);
  const lats = placed.map((entry) => entry.lat);
  const middleLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const cos = Math.cos((middleLat * Math.PI) / 180);
  let lonSpan = Math.max(Math.max(...lons) - Math.min(...lons), (MIN_SPAN_DEG / cos) * 0.5) * 1.3;
  let latSpan = Math.max(Math.max(...lats) - Math.min(...lats), MIN_SPAN_DEG * 0.5) * 1.3;
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  // Widen whichever span is short for the box's shape, so a degree is the same length both ways (times cos).
  if ((lonSpan * cos) / latSpan < innerWidth / innerHeight) lonSpan = (latSpan * innerWidth) / innerHeight / cos;
  else latSpan = (lonSpan * cos * innerHeight) / innerWidth;
  const lonMiddle = (Math.min(...lons) + Math.max(...lons)) / 2;
  const lon: [number, number] = [lonMiddle - lonSpan / 2, lonMiddle + lonSpan / 2];
  const lat: [number, number] = [middleLat - latSpan / 2, middleLat + latSpan / 2];
  const unitsPerDegreeLat = innerHeight / latSpan;
  return {
    x: (value) => MARGIN.left + ((value - lon[0]) / lonSpan) * innerWidth,
    y: (value) => MARGIN.top + ((lat[1] - value) / latSpan) * innerHeight,
    lon,
    lat,
    kmPerUnit: KM_PER_DEGREE / unitsPerDegreeLat,
  };
}

/** A 1, 2 or 5 times a power of ten at most `target`. */
function niceStep(target: number): number {
  const power = 10 ** Math.floor(Math.log10(target));
  return [5, 2, 1].map((factor) => factor * power).find((step) => step <= target) ?? power;
}

function ticks([from, to]: readonly [number, number], step: number): number[] {
  const first = Math.ceil(from / step) * step;
  return Array.from({ length: Math.floor((to - first) / step) + 1 }, (_, index) => first + index * step);
}

function degrees(value: number, step: number, positive: string, negative: string): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return `${Math.abs(value).toFixed(decimals)}°${value >= 0 ? positive : negative}`;
}

function gradeWord(grade: MapGrade): string {
  return grade === 'silent' ? t('state.silent') : tDashboard(`grade.${grade}`);
}

function silentWord(site: HubSite): string {
  return site.online ? t('state.noHealth') : t('state.offline');
}

/** Each grade its shape, so the map reads without colour: triangle, diamond, square, circle; a small disc when normal, a dashed ring with ? when silent. */
function Marker({ grade, x, y }: { readonly grade: MapGrade; readonly x: number; readonly y: number }) {
  const size = 11;
  const shape = `map-marker map-${grade}`;
  switch (grade) {
    case 'red':
      return <polygon class={shape} points={`${x},${y - size * 1.2} ${x + size * 1.1},${y + size * 0.8} ${x - size * 1.1},${y + size * 0.8}`} />;
    case 'orange':
      return <polygon class={shape} points={`${x},${y - size * 1.2} ${x + size * 1.2},${y} ${x},${y + size * 1.2} ${x - size * 1.2},${y}`} />;
    case 'yellow':
      return <rect class={shape} x={x - size * 0.9} y={y - size * 0.9} width={size * 1.8} height={size * 1.8} />;
    case 'blue':
      return <circle class={shape} cx={x} cy={y} r={size} />;
    case 'normal':
      return <circle class={shape} cx={x} cy={y} r={size * 0.6} />;
    case 'silent':
      return (
        <g class={shape}>
          <circle cx={x} cy={y} r={size * 0.8} />
          <text x={x} y={y + 5} text-anchor="middle">
            ?
          </text>
        </g>
      );
  }
}

function ScaleBar({ projection }: { readonly projection: Projection }) {
  const km = niceStep(projection.kmPerUnit * 160);
  const length = km / projection.kmPerUnit;
  const x = WIDTH - MARGIN.right - length - 12;
  const y = HEIGHT - MARGIN.bottom - 16;
  return (
    <g class="map-scale" data-testid="map-scale">
      <rect class="map-scale-back" x={x - 8} y={y - 24} width={length + 16} height={34} rx={4} />
      <path d={`M${x},${y - 6} V${y} H${x + length} V${y - 6}`} />
      <text x={x + length / 2} y={y - 9} text-anchor="middle">
        {t('map.scale', { km })}
      </text>
    </g>
  );
}

function SiteMarker({ entry, projection, named }: { readonly entry: Placed; readonly projection: Projection; readonly named: boolean }) {
  const { route } = useLocation();
  const grade = mapGrade(entry.site);
  const x = projection.x(entry.lon);
  const y = projection.y(entry.lat);
  const href = `/sites/${encodeURIComponent(entry.site.gateway)}`;
  // "Offline" said once: a silent site's grade word already says it.
  const words = [siteName(entry.site), grade === 'silent' ? silentWord(entry.site) : gradeWord(grade), ...(entry.site.online || grade === 'silent' ? [] : [t('state.offline')])].join(' · ');
  const labelLeft = x > WIDTH - 260;
  return (
    <a
      href={href}
      class="map-site"
      data-gateway={entry.site.gateway}
      data-grade={grade}
      data-online={String(entry.site.online)}
      onClick={(event) => {
        event.preventDefault();
        route(href);
      }}
    >
      <title>{words}</title>
      {!entry.site.online && <circle class="map-offline-ring" cx={x} cy={y} r={19} />}
      <Marker grade={grade} x={x} y={y} />
      {named && (
        <text class="map-label" x={labelLeft ? x - 26 : x + 26} y={y + 6} text-anchor={labelLeft ? 'end' : 'start'}>
          {words}
        </text>
      )}
    </a>
  );
}

function MapDrawing({ placed }: { readonly placed: readonly Placed[] }) {
  const projection = project(placed);
  const lonStep = niceStep((projection.lon[1] - projection.lon[0]) / 5);
  const latStep = niceStep((projection.lat[1] - projection.lat[0]) / 4);
  const ordered = [...placed].sort((a, b) => DRAW_ORDER.indexOf(mapGrade(a.site)) - DRAW_ORDER.indexOf(mapGrade(b.site)));
  const nameAll = placed.length <= LABEL_ALL_UP_TO;
  const [left, right, top, bottom] = [MARGIN.left, WIDTH - MARGIN.right, MARGIN.top, HEIGHT - MARGIN.bottom];
  return (
    <svg class="region-map" data-testid="region-map" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t('map.label', { count: placed.length })}>
      <rect class="map-back" x={left} y={top} width={right - left} height={bottom - top} />
      <g class="map-graticule">
        {ticks(projection.lon, lonStep).map((lon) => (
          <g key={`lon${lon}`}>
            <line x1={projection.x(lon)} x2={projection.x(lon)} y1={top} y2={bottom} />
            <text x={projection.x(lon)} y={bottom + 26} text-anchor="middle">
              {degrees(lon, lonStep, 'E', 'W')}
            </text>
          </g>
        ))}
        {ticks(projection.lat, latStep).map((lat) => (
          <g key={`lat${lat}`}>
            <line x1={left} x2={right} y1={projection.y(lat)} y2={projection.y(lat)} />
            <text x={left - 8} y={projection.y(lat) + 6} text-anchor="end">
              {degrees(lat, latStep, 'N', 'S')}
            </text>
          </g>
        ))}
      </g>
      {ordered.map((entry) => (
        <SiteMarker key={entry.site.gateway} entry={entry} projection={projection} named={nameAll || mapGrade(entry.site) !== 'normal' || !entry.site.online} />
      ))}
      <ScaleBar projection={projection} />
    </svg>
  );
}

function Legend() {
  const grades: readonly MapGrade[] = ['red', 'orange', 'yellow', 'blue', 'normal', 'silent'];
  return (
    <ul class="map-legend" aria-label={t('map.legend')}>
      {grades.map((grade) => (
        <li key={grade}>
          <svg viewBox="-16 -16 32 32" class="legend-symbol" aria-hidden="true">
            <Marker grade={grade} x={0} y={0} />
          </svg>
          {gradeWord(grade)}
        </li>
      ))}
      <li>
        <svg viewBox="-22 -22 44 44" class="legend-symbol" aria-hidden="true">
          <circle class="map-offline-ring" cx={0} cy={0} r={19} />
        </svg>
        {t('map.offlineRing')}
      </li>
    </ul>
  );
}

export function RegionMapPage() {
  const region = useRegion();
  const { sites, error } = useSites(region);
  const placed = (sites ?? []).flatMap((site) => (site.location === null ? [] : [{ site, lon: site.location.longitude, lat: site.location.latitude }]));
  const unplaced = (sites ?? []).filter((site) => site.location === null);
  return (
    <section class="page">
      <h1>{t('map.title')}</h1>
      <RegionFilter key={region ?? ''} />
      {error && <p class="form-error">{t('list.failed', { message: error })}</p>}
      {sites && (
        <>
          <p class="muted">{t('map.caption')}</p>
          <Legend />
          {placed.length > 0 ? <MapDrawing placed={placed} /> : <p>{t('map.none')}</p>}
          {unplaced.length > 0 && (
            <p data-testid="unplaced">
              {t('map.unplaced')}{' '}
              {unplaced.map((site, index) => (
                <span key={site.gateway}>
                  {index > 0 && '、'}
                  <a href={`/sites/${encodeURIComponent(site.gateway)}`}>{siteName(site)}</a>
                </span>
              ))}
            </p>
          )}
        </>
      )}
    </section>
  );
}
