/**
 * What an audit row says in the language shown: its action's name, and the lines of its reason / notes column from the
 * details the agent stored (a limit's old and new value, a shut-off's trigger, a discrepancy's cause, an upkeep
 * record, a shelf's end, a token's holder), so nothing stored is left to its code or hidden.
 */
import { refusalText } from '../../api/error-text.ts';
import type { AuditRow, RefusalParams } from '../../api/types.ts';
import { formatTime, formatValue } from '../../format.ts';
import { type MessageKey, t, tCode } from '../../i18n/index.ts';
import { LIMITS, type LimitName } from '../thresholds/limits.ts';

/** Actions with a name in the catalogs, in the order the filter offers them; others are shown by their code. */
export const KNOWN_ACTIONS = [
  'alarm_command',
  'alarm_handling',
  'reset_action',
  'device_upkeep',
  'threshold_change',
  'threshold_override_retired',
  'session_login',
  'session_login_failed',
  'session_login_throttled',
  'session_logout',
  'regulator_token_created',
  'regulator_token_revoked',
  'config_reload',
  'limits_changed_at_start',
  'shutoff_command',
  'shutoff_confirmed',
  'shutoff_discrepancy',
  'fan_command',
  'siren_command',
  'power_cut_command',
  'latch_restored',
  'latch_restore_skipped',
] as const;

const UPKEEP_KINDS = ['bump_test', 'calibration'];
const UPKEEP_RESULTS = ['pass', 'fail', 'adjusted'];

export function actionName(action: string): string {
  return (KNOWN_ACTIONS as readonly string[]).includes(action) ? t(`audit.actions.${action}` as MessageKey) : action;
}

type Details = Readonly<Record<string, unknown>>;

/** A detail's text, null when absent or empty. */
export function detailText(details: Details | null, key: string): string | null {
  const value = details?.[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function objectAt(details: Details | null, key: string): Details | null {
  const value = details?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Details) : null;
}

function limitName(limit: unknown): string {
  return (LIMITS as readonly unknown[]).includes(limit) ? t(`thresholds.names.${limit as LimitName}`) : String(limit);
}

function limitValue(value: unknown): string {
  return typeof value === 'number' ? formatValue(value) : t('thresholds.none');
}

/** "hi 25 → 150" for each limit a threshold change moved, or "asked: hihi 200" for one refused. */
function limitLines(details: Details | null): string[] {
  const changes = details?.['changes'];
  if (Array.isArray(changes))
    return changes.map((change: Details) => t('audit.notes.limitMoved', { limit: limitName(change['limit']), old: limitValue(change['old']), new: limitValue(change['new']) }));
  const asked = objectAt(details, 'asked');
  if (asked === null) return [];
  const limits = Object.entries(asked).map(([limit, value]) => `${limitName(limit)} ${value === null ? t('thresholds.kind.removed') : limitValue(value)}`);
  return limits.length === 0 ? [] : [t('audit.notes.limitsAsked', { limits: limits.join(t('audit.notes.separator')) })];
}

const LIMIT_CAUSES = ['threshold_change', 'override_retired'] as const;

/**
 * "GD-1.concentration hi: 20 → 25" for each limit a reload or a start moved; one a person's threshold change or its
 * retirement moved says so (the config file's own change says nothing more).
 */
function pointLimitLines(details: Details | null): string[] {
  const changes = details?.['limitChanges'];
  if (!Array.isArray(changes)) return [];
  return changes.map((change: Details) => {
    const line = t('audit.notes.pointLimitMoved', { point: String(change['pointId']), limit: limitName(change['limit']), old: limitValue(change['old']), new: limitValue(change['new']) });
    const cause = LIMIT_CAUSES.find((known) => known === change['cause']);
    return cause === undefined ? line : `${line} (${t(`audit.notes.limitCause.${cause}`)})`;
  });
}

/** The alarms that tripped an output: `why` on a command's row, `trippedBy` on a restored latch's (whose `why` is the event's sentence). */
function trippedBy(details: Details | null): string | null {
  const alarms = [details?.['why'], details?.['trippedBy']].find(Array.isArray);
  return alarms === undefined || alarms.length === 0 ? null : t('audit.notes.trippedBy', { alarms: alarms.join(', ') });
}

/** The lines given, without the absent ones. */
function lines(...candidates: readonly (string | null)[]): string[] {
  return candidates.filter((line): line is string => line !== null);
}

/** "bump test: pass (at ...)" and the notes of an upkeep record. */
function upkeepLines(details: Details | null): string[] {
  const record = objectAt(details, 'record');
  if (record === null) return [];
  const kind = String(record['kind']);
  const result = String(record['result']);
  const line = t('audit.notes.upkeep', {
    kind: UPKEEP_KINDS.includes(kind) ? t(`upkeep.kinds.${kind as 'bump_test' | 'calibration'}`) : kind,
    result: UPKEEP_RESULTS.includes(result) ? t(`upkeep.results.${result as 'pass' | 'fail' | 'adjusted'}`) : result,
    at: typeof record['at'] === 'number' ? formatTime(record['at']) : '—',
  });
  return lines(line, detailText(record, 'notes'));
}

/**
 * What the person gave as the reason (a command's reason or comment, a handling record's result), or why the agent
 * refused: from the refusal's code in the language shown where the row has it, else the agent's sentence.
 */
function reasonOf(details: Details | null): string | null {
  const reason = detailText(details, 'reason');
  const refusal = objectAt(details, 'refusal');
  if (refusal !== null && typeof refusal['code'] === 'string') return refusalText({ code: refusal['code'], params: (objectAt(refusal, 'params') ?? {}) as RefusalParams }, reason ?? refusal['code']);
  return reason ?? detailText(objectAt(details, 'handling'), 'result') ?? detailText(details, 'why');
}

/** The lines of the reason / notes column; empty when the row has nothing to say there. */
export function auditNotes(row: AuditRow): string[] {
  const { details } = row;
  const timeAt = (key: string) => (typeof details?.[key] === 'number' ? formatTime(details[key]) : null);
  switch (row.action) {
    case 'threshold_change':
      return [...limitLines(details), ...lines(reasonOf(details))];
    case 'config_reload':
    case 'limits_changed_at_start':
      return [...pointLimitLines(details), ...lines(reasonOf(details))];
    case 'threshold_override_retired':
      // A row written before valueInForce was recorded has only configValue, the file's value the override replaced:
      // not the one in force where the file moved the limit, so its why (which names the file's values) says it alone.
      return lines(
        details !== null && 'valueInForce' in details
          ? t('audit.notes.limitMoved', { limit: limitName(details['limit']), old: limitValue(details['value']), new: limitValue(details['valueInForce']) })
          : null,
        detailText(details, 'why'),
      );
    case 'shutoff_discrepancy': {
      const code = detailText(details, 'reason');
      return lines(code === null ? null : (tCode('valves.discrepancyCode', code) ?? code), trippedBy(details));
    }
    case 'shutoff_command':
    case 'shutoff_confirmed':
    case 'fan_command':
    case 'siren_command':
    case 'power_cut_command':
    case 'latch_restored': {
      const error = detailText(details, 'error');
      return lines(trippedBy(details), error === null ? null : t('audit.notes.writeFailed', { error }));
    }
    case 'latch_restore_skipped':
      return lines(trippedBy(details), t('audit.notes.noLongerConfigured'));
    case 'device_upkeep':
      return [...upkeepLines(details), ...lines(reasonOf(details))];
    case 'regulator_token_revoked':
    case 'regulator_token_created': {
      const name = detailText(details, 'name');
      const expires = timeAt('expiresAt');
      return lines(name === null ? null : t('audit.notes.tokenHolder', { name }), expires === null ? null : t('audit.notes.tokenExpires', { time: expires }), reasonOf(details));
    }
    case 'alarm_command': {
      const until = timeAt('until');
      return lines(reasonOf(details), until === null ? null : t('audit.notes.shelvedUntil', { time: until }));
    }
    default:
      return lines(reasonOf(details));
  }
}
