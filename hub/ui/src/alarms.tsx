/** A site's active alarms by priority (from its latest status), each count with its priority's word. */
import { t as tDashboard } from '@hazmon/dashboard/ui/i18n';
import { PRIORITIES } from '@hazmon/dashboard/ui/types';
import { t } from './i18n.ts';

export function ActiveAlarms({ counts }: { readonly counts: Readonly<Record<string, number>> | null }) {
  const standing = PRIORITIES.filter((priority) => (counts?.[priority] ?? 0) > 0);
  if (counts === null) return <span>—</span>;
  if (standing.length === 0) return <span class="muted">{t('list.noAlarms')}</span>;
  return (
    <span class="active-alarms" data-testid="active-alarms">
      {standing.map((priority) => (
        <span key={priority} class={`count count-on priority-${priority}`}>
          {tDashboard(`priority.${priority}`)} {counts[priority]}
        </span>
      ))}
    </span>
  );
}
