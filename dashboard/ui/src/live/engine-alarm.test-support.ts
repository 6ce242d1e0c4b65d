/** For the UI's unit tests: an engine alarm of the alarm list, `<point>/<rule>`, in service. */
import type { EngineAlarm, Priority } from '../api/types.ts';

export function engineAlarm(id: string, activeSince: number | null, state: EngineAlarm['state'] = 'unacknowledged_active', priority: Priority = 'medium'): EngineAlarm {
  return {
    id,
    pointId: id.split('/')[0]!,
    rule: id.split('/')[1]!,
    state,
    mode: 'in_service',
    conditionActive: state.endsWith('active'),
    priority,
    activeSince,
    shelvedUntil: null,
    help: null,
    areas: [],
  };
}
