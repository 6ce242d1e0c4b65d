/**
 * Out of service and back for a point's limit alarms, from its trend (supervisor and admin): a detector taken for
 * repair or calibration is taken out before it alarms, and the alarm list shows only alarms that are not normal.
 */
import { useSignal } from '@preact/signals';
import { api, CAN, session } from '../../api/client.ts';
import type { EngineAlarm, Limits } from '../../api/types.ts';
import { t, tCode } from '../../i18n/index.ts';
import { reloadAlarms } from '../../live/store.ts';
import { type FieldSpec, FormDialog } from '../../shell/FormDialog.tsx';
import { LIMITS } from '../thresholds/limits.ts';

const REASON: FieldSpec = { name: 'reason', label: 'alarms.form.reason', kind: 'text', required: true, max: 500 };

/** The point's limit alarms (`<point>/<limit>`, as the engine names them), each with its mode now. */
function limitAlarmsOf(pointId: string, limits: Limits | undefined, engine: readonly EngineAlarm[]): { readonly alarmId: string; readonly rule: string; readonly inService: boolean }[] {
  if (limits === undefined) return [];
  return LIMITS.filter((limit) => limits[limit] !== null).map((limit) => {
    const alarmId = `${pointId}/${limit}`;
    return { alarmId, rule: limit, inService: engine.find((alarm) => alarm.id === alarmId)?.mode !== 'out_of_service' };
  });
}

export function AlarmService({ pointId, limits, engine }: { readonly pointId: string; readonly limits: Limits | undefined; readonly engine: readonly EngineAlarm[] }) {
  const open = useSignal<{ readonly alarmId: string; readonly rule: string; readonly inService: boolean } | null>(null);
  const role = session.value?.role;
  if (role === undefined || !CAN.outOfService(role)) return null;
  const alarms = limitAlarmsOf(pointId, limits, engine);
  if (alarms.length === 0) return null;
  const current = open.value;
  const commandOf = (alarm: { readonly inService: boolean }) => (alarm.inService ? 'outOfService' : 'returnToService');
  return (
    <div class="detail-commands" data-testid="alarm-service">
      {alarms.map((alarm) => (
        <button key={alarm.alarmId} type="button" data-testid={`service-${alarm.rule}`} onClick={() => (open.value = alarm)}>
          {t(`trends.${commandOf(alarm)}`, { rule: tCode('engineRule', alarm.rule) ?? alarm.rule })}
        </button>
      ))}
      {current && (
        <FormDialog
          key={current.alarmId}
          title={`${t(`alarms.command.${commandOf(current)}`)}: ${current.alarmId}`}
          testId={`dialog-${commandOf(current)}`}
          fields={[{ ...REASON, required: current.inService }]}
          submitLabel={t(`alarms.command.${commandOf(current)}`)}
          onClose={() => (open.value = null)}
          onSubmit={async (values) => {
            const route = current.inService ? 'out-of-service' : 'return-to-service';
            await api.post(`/api/v1/alarms/${encodeURIComponent(current.alarmId)}/${route}`, values['reason'] ? { reason: values['reason'] } : {});
            await reloadAlarms();
          }}
        />
      )}
    </div>
  );
}
