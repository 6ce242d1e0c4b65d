/**
 * The alarm list's filters and sort, kept in its URL so a reload or a link sent to a colleague shows the same list:
 * `/alarms?area=&priority=&state=&point=&from=&to=&text=&sort=`, each left out at its default. `from` and `to` are
 * kept as typed (`YYYY-MM-DD HH:mm` in the site's time zone, the same for everyone at the site), so a time still
 * being typed survives a reload with its problem said under its field.
 */
import { PRIORITIES, type Priority } from '../../api/types.ts';

export const STATE_FILTERS = ['unacknowledged_active', 'acknowledged_active', 'unacknowledged_returned', 'shelved', 'suppressed', 'out_of_service'] as const;
type StateFilter = (typeof STATE_FILTERS)[number];
export const SORTS = ['newest', 'oldest', 'priority'] as const;
export type Sort = (typeof SORTS)[number];

export interface Filters {
  readonly area: string;
  readonly priority: Priority | '';
  readonly state: StateFilter | '';
  readonly point: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly sort: Sort;
}

export const NO_FILTERS: Filters = { area: '', priority: '', state: '', point: '', from: '', to: '', text: '', sort: 'newest' };

const TEXT_FIELDS = ['area', 'point', 'from', 'to', 'text'] as const;

const oneOf = <T extends string>(values: readonly T[], text: string | undefined): T | undefined => values.find((value) => value === text);

/** The filters a query string asks for; a priority, state or sort that is none of the page's is left at its default. */
export function parseFilters(query: Readonly<Record<string, string>>): Filters {
  const texts = Object.fromEntries(TEXT_FIELDS.map((field) => [field, query[field] ?? '']));
  return {
    ...NO_FILTERS,
    ...texts,
    priority: oneOf(PRIORITIES, query['priority']) ?? '',
    state: oneOf(STATE_FILTERS, query['state']) ?? '',
    sort: oneOf(SORTS, query['sort']) ?? NO_FILTERS.sort,
  };
}

/** The URL of the list with these filters: defaults left out, so no filter is plain `/alarms`. */
export function filtersUrl(filters: Filters): string {
  const params = new URLSearchParams();
  for (const [field, value] of Object.entries(filters)) if (value !== NO_FILTERS[field as keyof Filters]) params.set(field, value);
  const text = params.toString();
  return text === '' ? '/alarms' : `/alarms?${text}`;
}
