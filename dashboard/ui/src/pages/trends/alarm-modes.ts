/**
 * A point's alarms not in service, for its detail under the trend: a limit drawn on the chart may be one nobody is
 * alarmed by now. The mode is the live alarm list's (always current); who took an alarm out of service, when and why
 * is the points' disable record, read with the points (after a later command, from the next reload of the page).
 */
import type { EngineAlarm, OutOfServiceRecord } from '../../api/types.ts';
import { formatTime } from '../../format.ts';
import { t, tCode } from '../../i18n/index.ts';

/** One line per alarm of the point that is shelved, suppressed or out of service, in the language shown. */
export function alarmsNotInService(pointId: string, engine: readonly EngineAlarm[], records: readonly OutOfServiceRecord[] = []): string[] {
  return engine
    .filter((alarm) => alarm.pointId === pointId && alarm.mode !== 'in_service')
    .map((alarm) => {
      const rule = tCode('engineRule', alarm.rule) ?? alarm.rule;
      const mode = tCode('mode', alarm.mode) ?? alarm.mode;
      if (alarm.mode === 'shelved' && alarm.shelvedUntil !== null) return t('trends.alarmShelved', { rule, mode, until: formatTime(alarm.shelvedUntil) });
      const record = alarm.mode === 'out_of_service' ? records.find((candidate) => candidate.alarmId === alarm.id) : undefined;
      if (record === undefined) return t('trends.alarmMode', { rule, mode });
      return t('trends.alarmOutOfService', { rule, mode, who: record.by ?? '—', at: formatTime(record.at), why: record.reason ?? '—' });
    });
}
