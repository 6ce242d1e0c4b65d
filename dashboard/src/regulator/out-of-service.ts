/** The disable record of each point (STOP_PSN, STOP_TIME, STOP_REMARK in the provincial tables): its alarms out of service, who took each out, when and why. */
import type { AgentApi } from '@hazmon/agent';

export interface OutOfService {
  readonly alarmId: string;
  readonly by: string | null;
  readonly at: number;
  readonly reason: string | null;
}

/**
 * Per point, its engine alarms now out of service, each with the stored row that took it out: not the alarm's latest
 * row, which after a raise or a clear while out of service names the engine and its reading instead of who and why.
 */
export async function outOfServiceByPoint(api: AgentApi): Promise<ReadonlyMap<string, OutOfService[]>> {
  const removed = api.alarms().engine.filter((alarm) => alarm.mode === 'out_of_service');
  const byPoint = new Map<string, OutOfService[]>();
  if (removed.length === 0) return byPoint;
  const rows = new Map((await api.reader.latestAlarmRowsOfKind('out_of_service')).map((row) => [String(row.details?.['alarmId']), row]));
  for (const alarm of removed) {
    const row = rows.get(alarm.id);
    const record = { alarmId: alarm.id, by: row?.who ?? null, at: row?.time ?? alarm.activeSince ?? 0, reason: row?.why ?? null };
    byPoint.set(alarm.pointId, [...(byPoint.get(alarm.pointId) ?? []), record]);
  }
  return byPoint;
}
