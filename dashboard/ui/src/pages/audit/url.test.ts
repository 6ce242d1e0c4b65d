/** The audit page's URL contract (url.ts): a view written and read back is the same view; a broken range or order is left at its default. */
import { describe, expect, it } from 'vitest';
import { type AuditView, auditUrl, parseAuditView } from './url.ts';

const queryOf = (url: string) => Object.fromEntries(new URL(url, 'http://gateway').searchParams);
const PLAIN: AuditView = { range: { kind: 'preset', key: '24h' }, who: '', action: '', order: 'newest' };

describe('the audit page URL', () => {
  it('is /audit for the plain view, newest first over the last 24 h', () => {
    expect(auditUrl(PLAIN)).toBe('/audit');
    expect(parseAuditView({})).toEqual(PLAIN);
  });

  it('reads back what it writes: a preset, a custom range, who, action, oldest first', () => {
    for (const view of [
      { range: { kind: 'preset', key: '30d' }, who: '值班长 王', action: 'reset_action', order: 'oldest' },
      { range: { kind: 'custom', from: 1_765_000_000_000, to: 1_765_086_400_000 }, who: 'sup', action: '', order: 'newest' },
    ] satisfies AuditView[]) {
      expect(parseAuditView(queryOf(auditUrl(view)))).toEqual(view);
    }
  });

  it('leaves a range that ends before it starts, an unknown preset or order at the default', () => {
    expect(parseAuditView({ from: '2000', to: '1000', range: '1y', order: 'sideways' })).toEqual(PLAIN);
    expect(parseAuditView({ from: '-5', to: '1e3' })).toEqual(PLAIN);
  });
});
