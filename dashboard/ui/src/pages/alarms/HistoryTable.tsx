/** Stored alarm events as table rows: when, which alarm, what happened, who, and why (a comment, a handling record). */
import { Fragment } from 'preact';
import { refusalText } from '../../api/error-text.ts';
import type { AlarmEvent, Refusal } from '../../api/types.ts';
import { formatValue } from '../../format.ts';
import { t, tCode } from '../../i18n/index.ts';
import { points } from '../../live/store.ts';
import { kindWord } from '../../shell/event-kind.ts';
import { PriorityMark } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';
import { alarmIdOf } from './data.ts';

const ENGINE_TRANSITIONS: ReadonlySet<string> = new Set(['raised', 'changed', 'cleared']);

/** An alarm id that may wrap after its dots and slashes (GD-1.concentration/<wbr>hihi), never inside a word. */
export function BreakableId({ id }: { readonly id: string }) {
  return (
    <>
      {id.split(/(?<=[./])/).map((part, index) => (
        <Fragment key={index}>
          {index > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}

/** A refused command's stored refusal (`details.refusal`, code and params), when the row has one. */
function storedRefusal(event: AlarmEvent): Refusal | null {
  const refusal = event.details?.['refusal'] as Partial<Refusal> | undefined;
  return typeof refusal?.code === 'string' && typeof refusal.params === 'object' && refusal.params !== null ? { code: refusal.code, params: refusal.params } : null;
}

/** The handling record's three parts, a refused command's refusal in the language shown, or the event's reason. */
export function eventText(event: AlarmEvent): string {
  if (event.kind === 'handled' && event.details) {
    const part = (name: 'found' | 'done' | 'result') => `${t(`alarms.handling.${name}`)}: ${String(event.details?.[name] ?? '')}`;
    return [part('found'), part('done'), part('result')].join('; ');
  }
  const refusal = event.kind === 'command_refused' ? storedRefusal(event) : null;
  if (refusal !== null) return refusalText(refusal, event.why ?? '');
  return gatewayText(event) ?? event.why ?? '';
}

/**
 * What the gateway itself wrote, said in the language shown: an engine transition (raised, changed, cleared) from its
 * rule and the value that decided it (the rule alone without one: a device gone silent gives none), a shelf's expiry,
 * the alarm that tripped an interlock, a runtime alarm's row from its rule (a chattering row's rule is the alarm's id,
 * so from its kind), a detector left out of or back in a vote. Null for a person's words (kept as written) or a rule
 * the catalog does not know; the gateway's own sentence is the tooltip and in the CSV.
 */
function gatewayText(event: AlarmEvent): string | null {
  if (event.kind === 'vote_ignored') {
    if (event.stateAfter !== 'ignored') return t('alarms.vote.voting');
    return t(event.details?.['outOfService'] === true ? 'alarms.vote.outOfService' : 'alarms.vote.ignored');
  }
  if (event.who === 'hazmon') return tCode('runtimeRule', event.kind === 'chattering' ? event.kind : event.ruleId);
  if (event.who !== 'engine') return null;
  if (event.kind === 'unshelved') return t('alarms.shelveExpired');
  const trippedBy = event.details?.['alarmId'];
  if (event.kind === 'action_commanded' && typeof trippedBy === 'string') return t('alarms.trippedBy', { alarm: trippedBy });
  if (!ENGINE_TRANSITIONS.has(event.kind)) return null;
  const rule = tCode('engineRule', event.ruleId);
  const value = event.details?.['value'];
  if (rule === null || typeof value !== 'number') return rule;
  // A vote's value is how many of its detectors trip, not a reading.
  if (event.ruleId === 'vote') return t('alarms.voteWhy', { rule, trips: value });
  const resolution = event.pointId === null ? null : (points.value.get(event.pointId)?.resolution ?? null);
  return t('alarms.engineWhy', { rule, value: formatValue(value, resolution) });
}

/** `onOpen`: the alarm column is shown, each id a button opening that alarm. */
export function EventRows({ events, onOpen }: { readonly events: readonly AlarmEvent[]; readonly onOpen?: (alarmId: string) => void }) {
  return (
    <>
      {events.map((event) => (
        <tr key={event.seq} data-testid={`event-${event.seq}`} data-kind={event.kind}>
          <td>
            <Time ms={event.time} />
          </td>
          {onOpen && (
            <td>
              <button type="button" class="link" onClick={() => onOpen(alarmIdOf(event))}>
                <BreakableId id={alarmIdOf(event)} />
              </button>
            </td>
          )}
          <td>{event.priority ? <PriorityMark priority={event.priority} /> : '—'}</td>
          <td class="event-kind">
            <span class={`mark kind-${event.kind}`}>{kindWord(event.kind)}</span>
          </td>
          <td>{event.who ?? '—'}</td>
          <td class="event-text" title={event.why ?? undefined}>
            {eventText(event) || '—'}
          </td>
        </tr>
      ))}
    </>
  );
}
