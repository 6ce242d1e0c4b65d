/** The alarm list's URL contract (filters.ts): what a link holds comes back as the same filters; what is no filter is left at its default. */
import { describe, expect, it } from 'vitest';
import { type Filters, filtersUrl, NO_FILTERS, parseFilters } from './filters.ts';

const queryOf = (url: string) => Object.fromEntries(new URL(url, 'http://gateway').searchParams);

describe('the alarm list URL', () => {
  it('writes only what differs from no filter, and reads the same filters back', () => {
    expect(filtersUrl(NO_FILTERS)).toBe('/alarms');
    const filters: Filters = { area: '压缩机房', priority: 'high', state: 'shelved', point: 'GD-1', from: '2026-12-07 08:00', to: '2026-12-07 20:00', text: 'valve "XV-1" & 100%', sort: 'oldest' };
    const url = filtersUrl(filters);
    expect(url.startsWith('/alarms?')).toBe(true);
    expect(parseFilters(queryOf(url))).toEqual(filters);
    expect(parseFilters(queryOf(filtersUrl({ ...NO_FILTERS, text: ' ' })))).toEqual({ ...NO_FILTERS, text: ' ' });
  });

  it("leaves a priority, state or sort that is none of the page's at its default", () => {
    expect(parseFilters({ priority: 'urgent', state: 'normal', sort: 'sideways', area: 'house' })).toEqual({ ...NO_FILTERS, area: 'house' });
    expect(parseFilters({})).toEqual(NO_FILTERS);
  });
});
