/**
 * One alarm opened: its help (cause, consequence, time to respond, what to do), the commands the signed-in role may
 * use (shelve, unshelve, out of service and back, the handling record, the reset of a latched shut-off) and its own
 * stored events. Every command is a dialog that checks its fields before sending.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api, CAN, type Role, session } from '../../api/client.ts';
import type { Action, AlarmHelp, AlarmState, LimitSwitch, Priority } from '../../api/types.ts';
import { t, tCode } from '../../i18n/index.ts';
import { reloadAlarms } from '../../live/store.ts';
import { PriorityMark, StateMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';
import { actions, alarmIdOf, history, latchedActionOf, refreshActions, refreshHistory } from './data.ts';
import { type FieldSpec, FormDialog, type Values } from './FormDialog.tsx';
import { EventRows } from './HistoryTable.tsx';

export interface ActiveRow {
  readonly id: string;
  readonly source: 'engine' | 'runtime';
  readonly pointId: string | null;
  readonly area: string | null;
  readonly priority: Priority;
  readonly state: AlarmState;
  readonly mode: 'in_service' | 'shelved' | 'suppressed' | 'out_of_service';
  readonly conditionActive: boolean;
  readonly since: number | null;
  readonly shelvedUntil: number | null;
  /** A runtime alarm's rule (what it is about, said from the catalog) and the gateway's own detail; null for engine alarms. */
  readonly rule: string | null;
  readonly why: string | null;
  readonly help: AlarmHelp | null;
}

/** What a runtime alarm is about in the language shown (its rule from the catalog), else the gateway's sentence. */
export function runtimeAlarmText(row: Pick<ActiveRow, 'rule' | 'why'>): string | null {
  return (row.rule === null ? null : tCode('runtimeRule', row.rule)) ?? row.why;
}

type Command = 'shelve' | 'unshelve' | 'outOfService' | 'returnToService' | 'handling' | 'reset';

const REASON: FieldSpec = { name: 'reason', label: 'alarms.form.reason', kind: 'text', required: true, max: 500 };
const OPTIONAL_REASON: FieldSpec = { ...REASON, required: false };
const HANDLING_TEXT = { kind: 'textarea', required: true, max: 2000 } as const;
const RESET_FEEDBACK_REFRESH_MS = 2000;

const FIELDS: Readonly<Record<Command, readonly FieldSpec[]>> = {
  shelve: [REASON, { name: 'minutes', label: 'alarms.form.minutesLabel', kind: 'minutes', required: true, max: 1440 }],
  unshelve: [OPTIONAL_REASON],
  outOfService: [REASON],
  returnToService: [OPTIONAL_REASON],
  handling: [
    { name: 'found', label: 'alarms.handling.found', ...HANDLING_TEXT },
    { name: 'done', label: 'alarms.handling.done', ...HANDLING_TEXT },
    { name: 'result', label: 'alarms.handling.result', ...HANDLING_TEXT },
  ],
  reset: [REASON],
};

const ROUTE: Readonly<Record<Exclude<Command, 'reset'>, string>> = {
  shelve: 'shelve',
  unshelve: 'unshelve',
  outOfService: 'out-of-service',
  returnToService: 'return-to-service',
  handling: 'handling',
};

function bodyOf(command: Command, values: Values): Record<string, string | number> {
  if (command === 'shelve') return { reason: values['reason']!, minutes: Number(values['minutes']) };
  if (command === 'handling') return { found: values['found']!, done: values['done']!, result: values['result']! };
  // An optional reason left empty is not sent: the server refuses an empty one.
  return values['reason'] ? { reason: values['reason'] } : {};
}

function HelpPanel({ help }: { readonly help: AlarmHelp | null }) {
  if (help === null) return <p class="muted">{t('alarms.help.none')}</p>;
  const entries: [string, string | null][] = [
    [t('alarms.help.cause'), help.cause],
    [t('alarms.help.consequence'), help.consequence],
    [t('alarms.help.responseMinutes'), help.responseMinutes === null ? null : t('alarms.help.minutes', { minutes: help.responseMinutes })],
    [t('alarms.help.action'), help.action],
  ];
  return (
    <dl class="alarm-help" data-testid="alarm-help">
      {entries.map(([term, text]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{text ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

function SwitchLine({ label, limit }: { readonly label: string; readonly limit: LimitSwitch | null }) {
  if (limit === null) return null;
  return (
    <li>
      {label} <a href={`/trends?points=${encodeURIComponent(limit.pointId)}&range=1h`}>{limit.pointId}</a>:{' '}
      <strong>{limit.value === null ? t('value.none') : t(limit.value ? 'alarms.reset.switchMade' : 'alarms.reset.switchNotMade')}</strong> ({t(`quality.${limit.quality ?? 'none'}`)},{' '}
      <Time ms={limit.receiveTime} />)
    </li>
  );
}

/** What the person resetting must see before confirming: the trigger conditions, the valve's limit switches, who they are. */
function ResetContext({ action }: { readonly action: Action }) {
  const user = session.value;
  return (
    <div class="reset-context" data-testid="reset-context">
      <p>
        {t('alarms.reset.action')}: <strong>{action.name ?? action.id}</strong> ({action.id}) — {t(`alarms.actionState.${action.state}`)}, {t('alarms.reset.latchedSince')}{' '}
        <Time ms={action.latchedSince} />
      </p>
      <h3>{t('alarms.reset.triggers')}</h3>
      <ul data-testid="reset-triggers">
        {action.triggers.map((trigger) => (
          <li key={trigger.alarmId}>
            {trigger.alarmId}:{' '}
            <span class={`mark ${trigger.conditionActive ? 'priority-emergency' : 'quality-good'}`}>{t(trigger.conditionActive ? 'alarms.reset.conditionActive' : 'alarms.reset.conditionClear')}</span>
          </li>
        ))}
      </ul>
      <h3>{t('alarms.reset.feedback')}</h3>
      {action.feedback === null ? (
        <p>{t('alarms.reset.noFeedback')}</p>
      ) : (
        <ul data-testid="reset-feedback">
          <SwitchLine label={t('alarms.reset.closedSwitch')} limit={action.feedback.closed} />
          <SwitchLine label={t('alarms.reset.openSwitch')} limit={action.feedback.open} />
        </ul>
      )}
      {action.discrepancy && <p class="form-error">{action.discrepancy}</p>}
      <p data-testid="reset-who">
        {t('alarms.reset.who')}: <strong>{user ? `${user.name} (${t(`role.${user.role}`)})` : '—'}</strong>
      </p>
      {action.resetRefusal ? (
        <p class="form-error" data-testid="reset-refusal">
          {t('alarms.reset.wouldRefuse', { reason: action.resetRefusal })}
        </p>
      ) : (
        <p class="mark quality-good">{t('alarms.reset.wouldPass')}</p>
      )}
      <p class="muted">{t('alarms.reset.valveStays')}</p>
    </div>
  );
}

function ResetDialog({ actionId, onClose }: { readonly actionId: string; readonly onClose: () => void }) {
  // Limit switches and trigger conditions change without an alarm event: read them again while the dialog is open.
  useEffect(() => {
    const timer = setInterval(() => void refreshActions().catch(() => undefined), RESET_FEEDBACK_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const action = actions.value.find((candidate) => candidate.id === actionId);
  return (
    <FormDialog
      title={t('alarms.reset.title')}
      testId="dialog-reset"
      fields={FIELDS.reset}
      submitLabel={t('alarms.reset.confirm')}
      danger
      refusalOutdatedBy={action?.resetAllowed}
      onClose={onClose}
      onSubmit={async (values) => {
        await api.post(`/api/v1/actions/${encodeURIComponent(actionId)}/reset`, { reason: values['reason'] });
        await Promise.all([refreshActions(), reloadAlarms(), refreshHistory()]);
      }}
    >
      {action ? <ResetContext action={action} /> : <p>{actionId}</p>}
    </FormDialog>
  );
}

function CommandButton({ command, onOpen }: { readonly command: Command; readonly onOpen: (command: Command) => void }) {
  return (
    <button type="button" data-testid={`open-${command}`} onClick={() => onOpen(command)} class={command === 'reset' ? 'danger' : undefined}>
      {t(`alarms.command.${command}`)}
    </button>
  );
}

export function Detail({ row, onClose }: { readonly row: ActiveRow; readonly onClose: () => void }) {
  const open = useSignal<Command | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Keyboard users land in the panel they opened, not back at the top of the list.
  useEffect(() => heading.current?.focus(), []);
  const role = session.value?.role;
  const may = (check: (role: Role) => boolean) => role !== undefined && check(role);
  const latch = latchedActionOf(row.id);
  const current = open.value;
  const commands: Command[] = [];
  if (row.source === 'engine' && may(CAN.shelve)) commands.push(row.mode === 'shelved' ? 'unshelve' : 'shelve');
  if (row.source === 'engine' && may(CAN.outOfService)) commands.push(row.mode === 'out_of_service' ? 'returnToService' : 'outOfService');
  if (may(CAN.acknowledge)) commands.push('handling');
  if (latch && may(CAN.reset)) commands.push('reset');
  const events = history.value
    .filter((event) => alarmIdOf(event) === row.id)
    .slice(-20)
    .reverse();
  const close = () => (open.value = null);
  const run = async (command: Exclude<Command, 'reset'>, values: Values) => {
    await api.post(`/api/v1/alarms/${encodeURIComponent(row.id)}/${ROUTE[command]}`, bodyOf(command, values));
    await Promise.all([reloadAlarms(), refreshHistory()]);
  };
  return (
    <aside class="alarm-detail" data-testid="alarm-detail" aria-labelledby="alarm-detail-title">
      <div class="alarm-detail-head">
        <h2 id="alarm-detail-title" ref={heading} tabIndex={-1}>
          {row.id}
        </h2>
        <button type="button" onClick={onClose} data-testid="close-detail">
          {t('alarms.closeDetail')}
        </button>
      </div>
      <p>
        <PriorityMark priority={row.priority} /> <StateMark state={row.state} /> <span class="mark">{t(`mode.${row.mode}`)}</span>
        {row.shelvedUntil !== null && (
          <>
            {' '}
            {t('alarms.shelvedUntil')} <Time ms={row.shelvedUntil} />
          </>
        )}
      </p>
      {runtimeAlarmText(row) && <p data-testid="runtime-why">{runtimeAlarmText(row)}</p>}
      {row.why && runtimeAlarmText(row) !== row.why && <p class="muted">{t('error.gatewayDetail', { detail: row.why })}</p>}
      <h3>{t('alarms.help.title')}</h3>
      <HelpPanel help={row.help} />
      {commands.length > 0 && (
        <div class="detail-commands">
          {commands.map((command) => (
            <CommandButton key={command} command={command} onOpen={(next) => (open.value = next)} />
          ))}
        </div>
      )}
      <h3>{t('alarms.history.ofAlarm')}</h3>
      {events.length === 0 ? (
        <p class="muted">{t('alarms.history.empty')}</p>
      ) : (
        <table class="event-table">
          <tbody>
            <EventRows events={events} />
          </tbody>
        </table>
      )}
      {current === 'reset' && latch && <ResetDialog actionId={latch.id} onClose={close} />}
      {current !== null && current !== 'reset' && (
        <FormDialog
          key={current}
          title={`${t(`alarms.command.${current}`)}: ${row.id}`}
          testId={`dialog-${current}`}
          fields={FIELDS[current]}
          initial={current === 'shelve' ? { minutes: '60' } : {}}
          submitLabel={t(`alarms.command.${current}`)}
          onClose={close}
          onSubmit={(values) => run(current, values)}
        />
      )}
    </aside>
  );
}
