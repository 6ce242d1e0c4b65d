/**
 * The enterprises in graded-supervision order (the API's: red, orange, yellow, blue, then the silent, then normal),
 * each with its grade, link state, last message, completeness over 24 hours and active alarms; a row opens the site.
 */
import { formatTime } from '@hazmon/dashboard/ui/format';
import { Time } from '@hazmon/dashboard/ui/time';
import { ActiveAlarms } from '../alarms.tsx';
import { t } from '../i18n.ts';
import { RegionFilter, useRegion } from '../region.tsx';
import { AuditChainProblem, LinkScore, MajorHazard, percent, SiteStateMarks, silentFor, siteName } from '../site-state.tsx';
import { useSites } from '../sites-data.ts';

export function SiteListPage() {
  const region = useRegion();
  const { sites, completeness, loadedAt, error } = useSites(region);
  return (
    <section class="page">
      <h1>{t('app.list')}</h1>
      <RegionFilter key={region ?? ''} />
      {error && <p class="form-error">{t('list.failed', { message: error })}</p>}
      {sites && (
        <>
          <p class="muted">
            {t('list.count', { count: sites.length })}
            {loadedAt !== null && ` · ${t('list.updated', { time: formatTime(loadedAt) })}`}
            {` · ${t('state.silentNote')}`}
          </p>
          <table class="site-list" data-testid="site-list">
            <thead>
              <tr>
                <th>{t('list.enterprise')}</th>
                <th>{t('list.grade')}</th>
                <th>{t('list.majorHazard')}</th>
                <th>{t('list.link')}</th>
                <th>{t('list.lastMessage')}</th>
                <th>{t('list.completeness')}</th>
                <th>{t('list.alarms')}</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((site) => {
                const complete = completeness.get(site.gateway);
                return (
                  <tr key={site.gateway} data-gateway={site.gateway} class={site.online ? undefined : 'is-offline'}>
                    <td>
                      <a class="site-link" href={`/sites/${encodeURIComponent(site.gateway)}`}>
                        {siteName(site)}
                      </a>
                      <div class="muted codes">
                        <span>{site.site?.enterprise?.code ?? '—'}</span> <span>{site.gateway}</span>
                      </div>
                      <AuditChainProblem site={site} />
                    </td>
                    <td>
                      <SiteStateMarks site={site} />
                    </td>
                    <td>
                      <MajorHazard site={site} />
                    </td>
                    <td>
                      {site.online ? t('state.online') : <strong>{t('state.offline')}</strong>}
                      {loadedAt !== null && silentFor(site, loadedAt) !== null && <div data-testid="silent-for">{silentFor(site, loadedAt)}</div>}
                      <LinkScore site={site} />
                    </td>
                    <td>
                      <Time ms={site.lastMessageAt} />
                    </td>
                    <td>
                      {complete ? percent(complete.completeness) : '—'}
                      {complete && complete.outOfService > 0 && <div class="muted">{t('list.outOfService', { count: complete.outOfService })}</div>}
                    </td>
                    <td>
                      <ActiveAlarms counts={site.health?.activeAlarms ?? null} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {sites.length === 0 && <p>{t('list.empty')}</p>}
        </>
      )}
    </section>
  );
}
