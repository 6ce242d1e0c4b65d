/**
 * One site for the bureau: who it is, its grades, its gateway's and link's health, completeness over 24 hours, a
 * chosen point's hourly statistics over a chosen range (chart and table), and its alarm events newest first, paged
 * down by the hub's event id.
 */
import { formatValue } from '@hazmon/dashboard/ui/format';
import { kindWord } from '@hazmon/dashboard/ui/event-kind';
import { PriorityOf, RuleName } from '@hazmon/dashboard/ui/marks';
import { Time } from '@hazmon/dashboard/ui/time';
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { get, loadPoints, pointLabel } from '../api.ts';
import type { Aggregates, GatewayCompleteness, HubEvent, HubPoint, HubSite } from '../api-types.ts';
import { ActiveAlarms } from '../alarms.tsx';
import { t } from '../i18n.ts';
import { AuditChainState, LinkScore, MajorHazard, percent, SilentMark, SiteStateMarks, silentFor, siteName } from '../site-state.tsx';
import { AggregateChart } from './AggregateChart.tsx';

const HOUR_MS = 3_600_000;
/** Hourly buckets: the API takes up to 31 days of them. */
const RANGES = { '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS, '30d': 30 * 24 * HOUR_MS } as const;
type RangeName = keyof typeof RANGES;
const EVENTS_PER_PAGE = 20;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The last whole hours up to the current one's end: the API's buckets are aligned to UTC hours. */
function rangeOf(name: RangeName, now: number): { from: number; to: number } {
  const to = Math.ceil(now / HOUR_MS) * HOUR_MS;
  return { from: to - RANGES[name], to };
}

function Identity({ site, completeness }: { readonly site: HubSite; readonly completeness: GatewayCompleteness | null }) {
  const location = site.location;
  return (
    <div class="site-cards">
      <section class="card">
        <h2>{t('site.identity')}</h2>
        <dl>
          <dt>{t('site.enterprise')}</dt>
          <dd>{site.site?.enterprise?.name ?? '—'}</dd>
          <dt>{t('site.enterpriseCode')}</dt>
          <dd>{site.site?.enterprise?.code ?? '—'}</dd>
          <dt>{t('site.siteId')}</dt>
          <dd>{site.site ? `${site.site.name} (${site.site.id})` : '—'}</dd>
          <dt>{t('site.gateway')}</dt>
          <dd>{site.gateway}</dd>
          <dt>{t('site.timeZone')}</dt>
          <dd>{site.site?.timeZone ?? '—'}</dd>
          <dt>{t('site.points')}</dt>
          <dd>{site.points}</dd>
          <dt>{t('site.location')}</dt>
          <dd data-testid="location">
            {location === null ? (
              <strong>{t('site.noLocation')}</strong>
            ) : (
              t('site.locationOf', { lon: `${location.longitude.toFixed(4)}°E`, lat: `${location.latitude.toFixed(4)}°N`, count: location.points })
            )}
          </dd>
        </dl>
      </section>
      <section class="card">
        <h2>{t('site.grades')}</h2>
        <dl>
          <dt>{t('list.grade')}</dt>
          <dd>
            <SiteStateMarks site={site} />
          </dd>
          <dt>{t('list.majorHazard')}</dt>
          <dd>
            <MajorHazard site={site} />
          </dd>
          <dt>{t('site.activeAlarms')}</dt>
          <dd>
            <ActiveAlarms counts={site.health?.activeAlarms ?? null} />
          </dd>
          <dt>{t('site.completeness')}</dt>
          <dd data-testid="completeness">
            {completeness === null ? '—' : t('site.completenessOf', { percent: percent(completeness.completeness), expected: completeness.expected, good: completeness.good })}
            {completeness !== null && completeness.outOfService > 0 && <div class="muted">{t('list.outOfService', { count: completeness.outOfService })}</div>}
          </dd>
        </dl>
      </section>
      <section class="card">
        <h2>{t('site.health')}</h2>
        <dl>
          <dt>{t('list.link')}</dt>
          <dd>
            {site.online ? t('state.online') : <SilentMark site={site} />} {silentFor(site, Date.now())}
            <LinkScore site={site} />
          </dd>
          <dt>{t('site.auditChain')}</dt>
          <dd>
            <AuditChainState site={site} />
          </dd>
          <dt>{t('site.lastMessage')}</dt>
          <dd>
            <Time ms={site.lastMessageAt} />
          </dd>
          <dt>{t('site.healthy')}</dt>
          <dd>{site.health === null ? t('state.noHealth') : site.health.healthy ? t('site.healthyYes') : <strong class="form-error">{t('site.healthyNo')}</strong>}</dd>
          {site.health !== null && site.health.reasons.length > 0 && (
            <>
              <dt>{t('site.reasons')}</dt>
              <dd>{site.health.reasons.join('; ')}</dd>
            </>
          )}
          <dt>{t('site.healthTime')}</dt>
          <dd>
            <Time ms={site.health?.time ?? null} />
          </dd>
          <dt>{t('site.receivedAt')}</dt>
          <dd>
            <Time ms={site.health?.receivedAt ?? null} />
          </dd>
        </dl>
      </section>
    </div>
  );
}

function Statistics({ gateway }: { readonly gateway: string }) {
  const [points, setPoints] = useState<readonly HubPoint[] | null>(null);
  const [pointId, setPointId] = useState<string | null>(null);
  const [range, setRange] = useState<RangeName>('24h');
  const [data, setData] = useState<{ key: string; from: number; to: number; aggregates: Aggregates } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // The points of the gateway's latest config, with or without data.
    loadPoints(gateway)
      .then((loaded) => {
        setPoints(loaded);
        setPointId((chosen) => chosen ?? loaded[0]?.id ?? null);
      })
      .catch((failure: unknown) => setError(messageOf(failure)));
  }, [gateway]);
  useEffect(() => {
    if (pointId === null) return;
    const { from, to } = rangeOf(range, Date.now());
    const key = `${pointId}/${range}`;
    get<Aggregates>('aggregates', { gateway, points: pointId, from, to, interval: '1h' })
      .then((aggregates) => setData({ key, from, to, aggregates }))
      .catch((failure: unknown) => setError(messageOf(failure)));
  }, [gateway, pointId, range]);
  const buckets = data?.aggregates.points.find((point) => point.pointId === pointId)?.buckets ?? [];
  const chosen = points?.find((point) => point.id === pointId);
  return (
    <section class="card" data-testid="statistics">
      <h2>{t('site.aggregates')}</h2>
      {error && <p class="form-error">{t('site.failed', { message: error })}</p>}
      {points !== null && points.length === 0 && <p>{t('site.noPointList')}</p>}
      {points !== null && points.length > 0 && (
        <div class="filters">
          <label>
            {t('site.point')}
            <select data-testid="point" value={pointId ?? ''} onChange={(event) => setPointId(event.currentTarget.value)}>
              {points.map((point) => (
                <option key={point.id} value={point.id}>
                  {pointLabel(point)}
                </option>
              ))}
            </select>
          </label>
          <fieldset class="range-presets">
            <legend class="visually-hidden">{t('site.range')}</legend>
            {(Object.keys(RANGES) as RangeName[]).map((name) => (
              <button key={name} type="button" aria-pressed={range === name} data-range={name} onClick={() => setRange(name)}>
                {t(`site.ranges.${name}`)}
              </button>
            ))}
          </fieldset>
        </div>
      )}
      {data !== null && data.key === `${pointId}/${range}` && chosen !== undefined && (
        <>
          <p class="chart-point" data-testid="chart-point">
            {pointLabel(chosen)}
          </p>
          <p class="chart-legend muted">
            <span class="legend-line" /> {t('site.legendAvg')} <span class="legend-band" /> {t('site.legendBand')}
          </p>
          <AggregateChart label={pointLabel(chosen)} unit={chosen.unit} buckets={buckets} from={data.from} to={data.to} />
          {buckets.length > 0 && (
            <details>
              <summary>{t('site.tableToggle')}</summary>
              <table>
                <thead>
                  <tr>
                    <th>{t('site.bucket')}</th>
                    <th>{t('site.min')}</th>
                    <th>{t('site.avg')}</th>
                    <th>{t('site.max')}</th>
                    <th>{t('site.good')}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...buckets].reverse().map((bucket) => (
                    <tr key={bucket.t}>
                      <td>
                        <Time ms={bucket.t} />
                      </td>
                      <td>{formatValue(bucket.min)}</td>
                      <td>{formatValue(bucket.avg)}</td>
                      <td>{formatValue(bucket.max)}</td>
                      <td>
                        {bucket.goodCount} / {bucket.count}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </>
      )}
    </section>
  );
}

/** Newest first; "older" pages down by the last id shown, "newest" starts again from the top. */
function Events({ gateway }: { readonly gateway: string }) {
  const [before, setBefore] = useState<number | null>(null);
  const [page, setPage] = useState<{ events: readonly HubEvent[]; next: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<{ events: HubEvent[]; next: number }>('alarm-events', { gateway, order: 'desc', before: before ?? undefined, limit: EVENTS_PER_PAGE })
      .then(setPage)
      .catch((failure: unknown) => setError(messageOf(failure)));
  }, [gateway, before]);
  return (
    <section class="card" data-testid="events">
      <h2>{t('site.events')}</h2>
      {error && <p class="form-error">{t('site.failed', { message: error })}</p>}
      {page && page.events.length === 0 && <p>{t('site.noEvents')}</p>}
      {page && page.events.length > 0 && (
        <table class="events">
          <thead>
            <tr>
              <th>{t('site.time')}</th>
              <th>{t('site.pointCol')}</th>
              <th>{t('site.kind')}</th>
              <th>{t('site.priority')}</th>
              <th>{t('site.who')}</th>
              <th>{t('site.why')}</th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((event) => (
              <tr key={event.id} data-event-id={event.id}>
                <td>
                  <Time ms={event.time} />
                  <div class="muted">
                    {t('site.received')} <Time ms={event.receivedAt} />
                  </div>
                </td>
                <td>
                  <span class="nowrap">{event.pointId ?? '—'}</span>
                  <div class="muted">
                    <RuleName rule={event.ruleId} />
                  </div>
                </td>
                <td>{kindWord(event.kind)}</td>
                <td>
                  <PriorityOf priority={event.priority} />
                </td>
                <td class="nowrap">{event.who ?? '—'}</td>
                <td class="wrap">{event.why ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        {before !== null && (
          <button type="button" data-testid="newest" onClick={() => setBefore(null)}>
            {t('site.newest')}
          </button>
        )}
        {page !== null && page.events.length === EVENTS_PER_PAGE && (
          <button type="button" data-testid="older" onClick={() => setBefore(page.next)}>
            {t('site.older')}
          </button>
        )}
      </div>
    </section>
  );
}

export function SitePage() {
  const { params } = useRoute();
  const gateway = params['gateway'] ?? '';
  const [site, setSite] = useState<HubSite | null | undefined>(undefined);
  const [completeness, setCompleteness] = useState<GatewayCompleteness | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const now = Date.now();
    Promise.all([get<{ sites: HubSite[] }>('sites', { gateway }), get<{ gateways: GatewayCompleteness[] }>('completeness', { gateway, from: now - 24 * HOUR_MS, to: now })])
      .then(([sites, complete]) => {
        setSite(sites.sites[0] ?? null);
        setCompleteness(complete.gateways[0] ?? null);
      })
      .catch((failure: unknown) => setError(messageOf(failure)));
  }, [gateway]);
  return (
    <section class="page site-page">
      <p>
        <a href="/">← {t('site.back')}</a>
      </p>
      {error && <p class="form-error">{t('site.failed', { message: error })}</p>}
      {site === null && <p>{t('site.notFound', { gateway })}</p>}
      {site && (
        <>
          <h1 class="site-title">
            {siteName(site)} <SiteStateMarks site={site} />
          </h1>
          <Identity site={site} completeness={completeness} />
          <Statistics gateway={gateway} />
          <Events gateway={gateway} />
        </>
      )}
    </section>
  );
}
