/** Link health per UTC day from a gateway's NATS connections: overlaps merged, open connections, silence offline. */
import { describe, expect, it } from 'vitest';
import { lastDayLinkScores, linkHealth } from './link-health.ts';

const HOUR = 3_600_000;
const DAY0 = Date.UTC(2026, 11, 1);

describe('linkHealth', () => {
  it('counts online and offline hours and disconnections per UTC day; an overlapping reconnect is no disconnection', () => {
    const connections = [
      // Day 1: online 00:00-06:00, a reconnect to another server overlapping at 06:00, on to 10:00; then 12:00 into day 2.
      { gateway: 'GW-A', connectedAt: DAY0, disconnectedAt: DAY0 + 6 * HOUR + 1000 },
      { gateway: 'GW-A', connectedAt: DAY0 + 6 * HOUR, disconnectedAt: DAY0 + 10 * HOUR },
      { gateway: 'GW-A', connectedAt: DAY0 + 12 * HOUR, disconnectedAt: DAY0 + 30 * HOUR },
      // Still open.
      { gateway: 'GW-A', connectedAt: DAY0 + 40 * HOUR, disconnectedAt: null },
    ];
    const [health] = linkHealth(['GW-A'], connections, DAY0, DAY0 + 3 * 24 * HOUR, DAY0 + 44 * HOUR);
    expect(health!.days).toEqual([
      { day: '2026-12-01', onlineHours: 22, offlineHours: 2, disconnections: 1 },
      { day: '2026-12-02', onlineHours: 10, offlineHours: 10, disconnections: 1 },
    ]);
    expect([health!.onlineHours, health!.offlineHours, health!.disconnections, health!.connected]).toEqual([32, 12, 2, true]);
  });

  it('gives a gateway never heard from offline for the whole span, and a span before its first connection offline', () => {
    const health = linkHealth(['GW-A', 'GW-SILENT'], [{ gateway: 'GW-A', connectedAt: DAY0 + 18 * HOUR, disconnectedAt: null }], DAY0, DAY0 + 24 * HOUR, DAY0 + 48 * HOUR);
    expect(health.map(({ gateway, onlineHours, offlineHours, disconnections, connected }) => [gateway, onlineHours, offlineHours, disconnections, connected])).toEqual([
      ['GW-A', 6, 18, 0, true],
      ['GW-SILENT', 0, 24, 0, false],
    ]);
  });

  it('sums the last 24 hours for the site list', () => {
    const now = DAY0 + 36 * HOUR;
    const scoreOf = lastDayLinkScores(
      [
        { gateway: 'GW-A', connectedAt: DAY0, disconnectedAt: DAY0 + 30 * HOUR },
        { gateway: 'GW-B', connectedAt: DAY0 + 35 * HOUR, disconnectedAt: null },
      ],
      now,
    );
    expect(scoreOf('GW-A')).toEqual({ onlineHours: 18, offlineHours: 6, disconnections: 1, connected: false });
    expect(scoreOf('GW-B')).toEqual({ onlineHours: 1, offlineHours: 23, disconnections: 0, connected: true });
    expect(scoreOf('GW-C')).toEqual({ onlineHours: 0, offlineHours: 24, disconnections: 0, connected: false });
  });
});
