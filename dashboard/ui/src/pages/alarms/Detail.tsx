/**
 * One alarm opened: its help (cause, consequence, time to respond, what to do), the commands the signed-in role may
 * use (shelve, unshelve, out of service and back, the handling record, the reset of a latched shut-off) and its own
 * stored events. Every command is a dialog that checks its fields before sending.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api, CAN, type Role, session } from '../../api/client.ts';
import type { AlarmHelp, AlarmState, Priority } from '../../api/types.ts';
import { t, tCode } from '../../i18n/index.ts';
import { reloadAlarms } from '../../live/store.ts';
import { PriorityMark, StateMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';
import { alarmIdOf, history, latchedActionOf, refreshActions, refreshHistory } from './data.ts';
import { type FieldSpec, FormDialog, type Values } from '../../shell/FormDialog.tsx';
import { ResetDialog } from '../../shell/ResetDialog.tsx';
import { EventRows } from './HistoryTable.tsx';

export interface ActiveRow {
  readonly id: string;
  readonly source: 'engine' | 'runtime';
  readonly pointId: string | null;
  /** The site's areas it belongs to, as the server works them out (a vote's group, a latch's valve, a device's points). */
  readonly areas: readonly string[];
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
type FormCommand = Exclude<Command, 'reset'>;

const REASON: FieldSpec = { name: 'reason', label: 'alarms.form.reason', kind: 'text', required: true, max: 500 };
const OPTIONAL_REASON: FieldSpec = { ...REASON, required: false };
const HANDLING_TEXT = { kind: 'textarea', required: true, max: 2000 } as const;

const FIELDS: Readonly<Record<FormCommand, readonly FieldSpec[]>> = {
  shelve: [REASON, { name: 'minutes', label: 'alarms.form.minutesLabel', kind: 'minutes', required: true, max: 1440 }],
  unshelve: [OPTIONAL_REASON],
  outOfService: [REASON],
  returnToService: [OPTIONAL_REASON],
  handling: [
    { name: 'found', label: 'alarms.handling.found', ...HANDLING_TEXT },
    { name: 'done', label: 'alarms.handling.done', ...HANDLING_TEXT },
    { name: 'result', label: 'alarms.handling.result', ...HANDLING_TEXT },
  ],
};

const ROUTE: Readonly<Record<FormCommand, string>> = {
  shelve: 'shelve',
  unshelve: 'unshelve',
  outOfService: 'out-of-service',
  returnToService: 'return-to-service',
  handling: 'handling',
};

function bodyOf(command: FormCommand, values: Values): Record<string, string | number> {
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

function CommandButton({ command, onOpen }: { readonly command: Command; readonly onOpen: (command: Command) => void }) {
  return (
    <button type="button" data-testid={`open-${command}`} onClick={() => onOpen(command)} class={command === 'reset' ? 'danger' : undefined}>
      {t(`alarms.command.${command}`)}
    </button>
  );
}

/**
 * The commands the role may use on the alarm as it stands, so no button leads to a refusal the agent is bound to give:
 * no shelf for an alarm out of service or suppressed (the agent refuses it, \`mode_forbids\`).
 */
export function commandsFor(row: Pick<ActiveRow, 'source' | 'mode'>, role: Role | undefined, latched: boolean): Command[] {
  const may = (check: (role: Role) => boolean) => role !== undefined && check(role);
  const commands: Command[] = [];
  if (row.source === 'engine' && may(CAN.shelve) && (row.mode === 'in_service' || row.mode === 'shelved')) commands.push(row.mode === 'shelved' ? 'unshelve' : 'shelve');
  if (row.source === 'engine' && may(CAN.outOfService)) commands.push(row.mode === 'out_of_service' ? 'returnToService' : 'outOfService');
  if (may(CAN.acknowledge)) commands.push('handling');
  if (latched && may(CAN.reset)) commands.push('reset');
  return commands;
}

export function Detail({ row, onClose }: { readonly row: ActiveRow; readonly onClose: () => void }) {
  const open = useSignal<Command | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Keyboard users land in the panel they opened, not back at the top of the list.
  useEffect(() => heading.current?.focus(), []);
  const latch = latchedActionOf(row.id);
  const current = open.value;
  const commands = commandsFor(row, session.value?.role, latch !== null);
  const events = history.value
    .filter((event) => alarmIdOf(event) === row.id)
    .slice(-20)
    .reverse();
  const close = () => (open.value = null);
  const run = async (command: FormCommand, values: Values) => {
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
      {current === 'reset' && latch && <ResetDialog action={latch} onClose={close} onDone={() => Promise.all([refreshActions(), reloadAlarms(), refreshHistory()]).then(() => undefined)} />}
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
