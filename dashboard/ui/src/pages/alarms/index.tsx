/** The active alarms, worst first, with Acknowledge (and a comment) for the roles that may. */
import { useSignal } from '@preact/signals';
import { ApiError, api, CAN, session } from '../../api/client.ts';
import { PRIORITIES, type Priority } from '../../api/types.ts';
import { t } from '../../i18n/index.ts';
import { alarms, reloadAlarms } from '../../live/store.ts';
import { PriorityMark, StateMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';

interface Row {
  readonly id: string;
  readonly label: string;
  readonly priority: Priority;
  readonly state: Parameters<typeof StateMark>[0]['state'];
  readonly since: number | null;
  readonly ackable: boolean;
}

function AckForm({ alarmId }: { readonly alarmId: string }) {
  const comment = useSignal('');
  const message = useSignal<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const text = comment.value.trim();
      await api.post(`/api/v1/alarms/${encodeURIComponent(alarmId)}/ack`, text === '' ? {} : { comment: text });
      comment.value = '';
      message.value = null;
      await reloadAlarms();
    } catch (error) {
      message.value = t('alarms.failed', { message: error instanceof ApiError ? error.message : t('error.network') });
    }
  };
  return (
    <form class="ack" onSubmit={submit}>
      <input aria-label={t('alarms.comment')} placeholder={t('alarms.comment')} maxLength={500} value={comment.value} onInput={(event) => (comment.value = event.currentTarget.value)} />
      <button type="submit" class="primary" data-testid="acknowledge">
        {t('alarms.acknowledge')}
      </button>
      {message.value && (
        <span class="form-error" role="alert">
          {message.value}
        </span>
      )}
    </form>
  );
}

export default function AlarmsPage() {
  const role = session.value?.role;
  const mayAck = role !== undefined && CAN.acknowledge(role);
  const rows: Row[] = [
    ...alarms.value.engine.map((alarm) => ({
      id: alarm.id,
      label: alarm.id,
      priority: alarm.priority,
      state: alarm.state,
      since: alarm.activeSince,
      ackable: alarm.state.startsWith('unacknowledged'),
    })),
    ...alarms.value.runtime.map((alarm) => ({
      id: alarm.id,
      label: `${t('alarms.runtime')}: ${alarm.id}`,
      priority: alarm.priority,
      state: alarm.state,
      since: alarm.since,
      ackable: alarm.state.startsWith('unacknowledged'),
    })),
  ].sort((a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || (a.since ?? 0) - (b.since ?? 0));
  return (
    <section class="page">
      <h1>{t('alarms.title')}</h1>
      {rows.length === 0 ? (
        <p>{t('alarms.empty')}</p>
      ) : (
        <table class="alarm-table">
          <thead>
            <tr>
              <th scope="col">{t('alarms.priority')}</th>
              <th scope="col">{t('alarms.alarm')}</th>
              <th scope="col">{t('alarms.state')}</th>
              <th scope="col">{t('alarms.since')}</th>
              {mayAck && <th scope="col">{t('alarms.action')}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid={`alarm-${row.id}`} class={`priority-row-${row.priority}`}>
                <td>
                  <PriorityMark priority={row.priority} />
                </td>
                <td>{row.label}</td>
                <td>
                  <StateMark state={row.state} />
                </td>
                <td>
                  <Time ms={row.since} />
                </td>
                {mayAck && <td>{row.ackable && <AckForm alarmId={row.id} />}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
