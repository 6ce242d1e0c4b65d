/** What a stored alarm event's kind says, in the language shown (the alarm history and the hub's site page). */
import { t } from '../i18n/index.ts';

const KNOWN_KINDS = [
  'raised',
  'acknowledged',
  'changed',
  'cleared',
  'reset',
  'shelved',
  'unshelved',
  'suppressed',
  'out_of_service',
  'returned_to_service',
  'action_commanded',
  'action_released',
  'command_refused',
  'handled',
  'updated',
  'notice',
  'chattering',
  'flood_start',
  'flood_end',
  'vote_ignored',
] as const;
type KnownKind = (typeof KNOWN_KINDS)[number];

/** The kind's word, or the kind as stored when the catalog has none (a newer agent). */
export function kindWord(kind: string): string {
  return (KNOWN_KINDS as readonly string[]).includes(kind) ? t(`alarms.kind.${kind as KnownKind}`) : kind;
}
