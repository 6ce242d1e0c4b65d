/** Alarm-system health per site (EEMUA 191 / ISA-18.2): floods, chattering, stale alarms, average alarm rate. */
import type { Alarm } from './alarm.ts';
import type { EventSink } from './events.ts';

export const FLOOD_WINDOW_MS = 10 * 60_000;
export const FLOOD_COUNT = 10;
export const CHATTER_WINDOW_MS = 60_000;
export const CHATTER_COUNT = 3;
export const STALE_ALARM_MS = 24 * 3_600_000;

export interface AlarmSystemHealth {
  readonly site: string;
  /** Alarm activations (condition went active) since the engine started. */
  readonly activations: number;
  readonly firstActivation: number | null;
  /** Activations per 10 minutes over [firstActivation, now]; about 1 is manageable for one operator. */
  readonly averagePer10Min: number;
  readonly floodEpisodes: number;
  readonly inFlood: boolean;
  /** Alarms that went active CHATTER_COUNT or more times within one minute, ever. */
  readonly chatteringAlarms: readonly string[];
  /** Alarms whose condition has been active for more than 24 h at `now`. */
  readonly staleAlarms: readonly string[];
}

/** Plain-data copy of one site's figures, for engine snapshots (a reload keeps a flood or a count going). */
export interface SiteHealthSnapshot {
  recent: number[];
  activations: number;
  firstActivation: number | null;
  floodEpisodes: number;
  inFlood: boolean;
  chattering: string[];
  lastActivations: Record<string, number[]>;
}

class SiteHealth {
  /**
   * Activation times of the last 10 minutes: recent[recentStart..]. Expired times are skipped, not shifted out:
   * a flood at a big plant holds hundreds of thousands, and Array.shift moves them all on every activation.
   */
  recent: number[] = [];
  recentStart = 0;
  activations = 0;
  firstActivation = Number.NaN;
  floodEpisodes = 0;
  inFlood = false;
  readonly chattering = new Set<string>();
  readonly lastActivations = new Map<string, number[]>();
}

export class AlarmHealthTracker {
  private readonly sites = new Map<string, SiteHealth>();
  /** Identifies the current lists of activation times (a new object on restore), see Alarm.activationTimesOf. */
  private lists: object = {};
  private lastSiteName = '';
  private lastSite: SiteHealth | undefined;

  /** Records an activation; emits flood and chattering events as they begin. */
  recordActivation(alarm: Alarm, time: number, sink: EventSink): void {
    const site = this.site(alarm.site);
    site.activations += 1;
    if (Number.isNaN(site.firstActivation)) site.firstActivation = time;
    site.recent.push(time);
    this.trimFlood(site, alarm.site, time, sink);
    const inLast10Min = site.recent.length - site.recentStart;
    if (!site.inFlood && inLast10Min >= FLOOD_COUNT) {
      site.inFlood = true;
      site.floodEpisodes += 1;
      sink({ type: 'alarm_flood', time, site: alarm.site, phase: 'start', alarmsIn10Min: inLast10Min });
    }
    // The alarm keeps a reference to its list while the lists are this tracker's (restore() replaces them).
    let times = alarm.activationTimes;
    if (alarm.activationTimesOf !== this.lists) {
      times = site.lastActivations.get(alarm.id) ?? [];
      site.lastActivations.set(alarm.id, times);
      alarm.activationTimes = times;
      alarm.activationTimesOf = this.lists;
    }
    times.push(time);
    if (times.length > CHATTER_COUNT) times.shift();
    if (times.length === CHATTER_COUNT && time - times[0]! <= CHATTER_WINDOW_MS) {
      site.chattering.add(alarm.id);
      sink({ type: 'alarm_chattering', time, site: alarm.site, alarmId: alarm.id, activationsIn1Min: CHATTER_COUNT });
    }
  }

  snapshot(): Record<string, SiteHealthSnapshot> {
    const sites: Record<string, SiteHealthSnapshot> = {};
    for (const [name, site] of this.sites) {
      sites[name] = {
        recent: site.recent.slice(site.recentStart),
        activations: site.activations,
        firstActivation: Number.isNaN(site.firstActivation) ? null : site.firstActivation,
        floodEpisodes: site.floodEpisodes,
        inFlood: site.inFlood,
        chattering: [...site.chattering],
        lastActivations: Object.fromEntries(site.lastActivations),
      };
    }
    return sites;
  }

  /** Takes over every site's figures from a snapshot; sites it does not name start afresh. */
  restore(saved: Record<string, SiteHealthSnapshot>): void {
    this.sites.clear();
    this.lastSite = undefined;
    this.lists = {};
    for (const [name, copy] of Object.entries(saved)) {
      const site = this.site(name);
      site.recent = [...copy.recent];
      site.recentStart = 0;
      site.activations = copy.activations;
      site.firstActivation = copy.firstActivation ?? Number.NaN;
      site.floodEpisodes = copy.floodEpisodes;
      site.inFlood = copy.inFlood;
      for (const alarmId of copy.chattering) site.chattering.add(alarmId);
      for (const [alarmId, times] of Object.entries(copy.lastActivations)) site.lastActivations.set(alarmId, [...times]);
    }
  }

  /** Time passing ends floods. */
  advance(now: number, sink: EventSink): void {
    for (const [name, site] of this.sites) this.trimFlood(site, name, now, sink);
  }

  report(siteName: string, now: number, alarms: Iterable<Alarm>): AlarmSystemHealth {
    const site = this.site(siteName);
    const staleAlarms: string[] = [];
    for (const alarm of alarms) {
      if (alarm.site === siteName && alarm.conditionActive && now - alarm.activeSince > STALE_ALARM_MS) staleAlarms.push(alarm.id);
    }
    const span = Number.isNaN(site.firstActivation) ? 0 : Math.max(now - site.firstActivation, FLOOD_WINDOW_MS);
    return {
      site: siteName,
      activations: site.activations,
      firstActivation: Number.isNaN(site.firstActivation) ? null : site.firstActivation,
      averagePer10Min: span === 0 ? 0 : (site.activations * FLOOD_WINDOW_MS) / span,
      floodEpisodes: site.floodEpisodes,
      inFlood: site.inFlood,
      chatteringAlarms: [...site.chattering].sort(),
      staleAlarms: staleAlarms.sort(),
    };
  }

  private trimFlood(site: SiteHealth, name: string, now: number, sink: EventSink): void {
    const recent = site.recent;
    let start = site.recentStart;
    while (start < recent.length && now - recent[start]! >= FLOOD_WINDOW_MS) start += 1;
    // The skipped part goes once it outweighs the kept part: amortized O(1) per activation.
    if (start > 0 && start >= recent.length - start) {
      recent.copyWithin(0, start);
      recent.length -= start;
      start = 0;
    }
    site.recentStart = start;
    const inLast10Min = recent.length - start;
    if (site.inFlood && inLast10Min < FLOOD_COUNT) {
      site.inFlood = false;
      sink({ type: 'alarm_flood', time: now, site: name, phase: 'end', alarmsIn10Min: inLast10Min });
    }
  }

  private site(name: string): SiteHealth {
    // Most plants are one site: the last one found answers without a map lookup on each activation.
    if (name === this.lastSiteName && this.lastSite !== undefined) return this.lastSite;
    let site = this.sites.get(name);
    if (site === undefined) {
      site = new SiteHealth();
      this.sites.set(name, site);
    }
    this.lastSiteName = name;
    this.lastSite = site;
    return site;
  }
}
