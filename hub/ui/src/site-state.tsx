/**
 * A site's supervision state in words and colour, never colour alone: its warning grade (the dashboard's grade mark),
 * and beside it, when it is silent, "offline" or "no status yet" as marks of their own (silence is never all clear).
 */
import { GradeMark } from '@hazmon/dashboard/ui/marks';
import type { WarningGrade } from '@hazmon/dashboard/ui/types';
import type { HubSite } from './api-types.ts';
import { t } from './i18n.ts';

/**
 * How the map draws a site: its grade's shape and colour; `silent` (grey, dashed) when it never sent a status, or went
 * offline with a last word of normal: that is not all clear. An offline site whose last word was a warning keeps it.
 */
export type MapGrade = WarningGrade | 'silent';

/** The warning grade worth showing: none when there is none, or when it is "normal" from a gateway gone silent. */
function shownGrade(site: HubSite): WarningGrade | null {
  return site.warningGrade === 'normal' && !site.online ? null : site.warningGrade;
}

export function mapGrade(site: HubSite): MapGrade {
  return shownGrade(site) ?? 'silent';
}

export function SilentMark({ site }: { readonly site: HubSite }) {
  if (!site.online) {
    return (
      <span class="mark silent-mark" data-testid="offline">
        {t('state.offline')}
      </span>
    );
  }
  return site.warningGrade === null ? <span class="mark silent-mark">{t('state.noHealth')}</span> : null;
}

export function SiteStateMarks({ site }: { readonly site: HubSite }) {
  return (
    <span class="site-state">
      {shownGrade(site) !== null && <GradeMark grade={shownGrade(site)!} />}
      <SilentMark site={site} />
    </span>
  );
}

export function MajorHazard({ site }: { readonly site: HubSite }) {
  const grade = site.majorHazardGrade;
  if (grade === null) return <span class="muted">{t('list.notReported')}</span>;
  return <span data-testid="major-hazard">{t('list.majorHazardOf', { grade: t(`list.hazardGrade.g${grade.grade}`), r: grade.r.toFixed(1) })}</span>;
}

/**
 * The link as provincial platforms score it (offline hours, disconnections) over the last 24 hours, what NATS refused
 * the gateway and what the hub refused of its messages: data missing here for a reason the link score cannot show.
 */
export function LinkScore({ site }: { readonly site: HubSite }) {
  return (
    <>
      {site.link !== null && (
        <div class="muted" data-testid="link-score">
          {t('list.link24h', { offline: site.link.offlineHours.toFixed(1), disconnections: site.link.disconnections })}
        </div>
      )}
      {site.refusals > 0 && (
        <div data-testid="refusals">
          <strong class="form-error">{t('list.refusals', { count: site.refusals })}</strong>
        </div>
      )}
      {site.rejected > 0 && (
        <div data-testid="rejected">
          <strong class="form-error">{t('list.rejected', { count: site.rejected })}</strong>
        </div>
      )}
    </>
  );
}

/** The first problem the hub met in the gateway's audit chain, in red; nothing while the chain holds. */
export function AuditChainProblem({ site }: { readonly site: HubSite }) {
  const problem = site.auditChain?.problem;
  if (!problem) return null;
  return (
    <div data-testid="audit-chain-problem">
      <strong class="form-error">{t('site.auditChainProblem', { seq: problem.seq, problem: t(`site.auditProblem.${problem.problem}`) })}</strong>
    </div>
  );
}

/** How far the hub has checked the gateway's audit chain, and a row it still waits for. */
export function AuditChainState({ site }: { readonly site: HubSite }) {
  const chain = site.auditChain;
  if (chain === null) return <span class="muted">{t('site.auditChainNone')}</span>;
  if (chain.problem !== null) return <AuditChainProblem site={site} />;
  const waiting = chain.received > chain.verifiedThrough;
  return (
    <span data-testid="audit-chain">
      {t('site.auditChainVerified', { seq: chain.verifiedThrough })}
      {waiting && <span class="muted">; {t('site.auditChainWaiting', { seq: chain.verifiedThrough + 1 })}</span>}
    </span>
  );
}

/** How long a gateway has been silent, to the minute: "2 h 5 min". */
export function silentFor(site: HubSite, now: number): string | null {
  if (site.online || site.lastMessageAt === null) return null;
  const minutes = Math.max(0, Math.floor((now - site.lastMessageAt) / 60_000));
  if (minutes === 0) return t('state.forUnderMinute');
  return minutes < 60 ? t('state.forMinutes', { minutes }) : t('state.forHours', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

export function siteName(site: HubSite): string {
  return site.site?.enterprise?.name ?? site.site?.name ?? site.gateway;
}

export function percent(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`;
}
