/**
 * A dashboard as the UI's live store drives one (dashboard/ui/src/live/store.ts), no more, no less: one stream; on its
 * `hello` the alarm list, the points (fixed fields revalidated by their ETag as the browser's cache does, live fields)
 * and the site; an `alarm` event reloads the alarm list and the site 20 ms later (one reload for a burst); readings
 * reload the alarm list at most once a second (the running on-delays). The points are loaded on (re)connection only.
 * Keep in step with the store: the bench's load is what 20 open browsers cost the agent.
 */
import { type ApiClient, SseReader } from './client.ts';

/** dashboard/ui/src/live/store.ts: ALARM_RELOAD_DELAY_MS and PENDING_RELOAD_MS. */
const ALARM_RELOAD_DELAY_MS = 20;
const PENDING_RELOAD_MS = 1000;

export class BenchDashboard {
  /** Request times (ms, to the last byte): the loads at `hello`, and the alarm list's (and site's) reloads. */
  readonly connectLoads: number[] = [];
  readonly reloads: number[] = [];
  readonly failures: string[] = [];
  /** The largest alarm list answered (bytes): a stale plant's list grows with its health alarms. */
  alarmListMaxBytes = 0;
  private reader: SseReader | null = null;
  private fixedTag: string | null = null;
  private lastReadingsReload = 0;
  private reload: ReturnType<typeof setTimeout> | null = null;
  private reloadByAlarm = false;
  private stopped = false;

  private constructor(private readonly viewer: ApiClient) {}

  static async open(viewer: ApiClient): Promise<BenchDashboard> {
    const dashboard = new BenchDashboard(viewer);
    dashboard.reader = await SseReader.open(viewer.base, viewer.cookie, (event) => dashboard.onEvent(event));
    return dashboard;
  }

  get streamedBytes(): number {
    return this.reader?.bytes ?? 0;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.reload) clearTimeout(this.reload);
    await this.reader?.close();
  }

  private onEvent(event: string): void {
    if (this.stopped) return;
    if (event === 'hello') this.timed(this.connectLoads, Promise.all([this.loadAlarms(), this.loadPoints(), this.viewer.ok('/api/v1/site')]));
    else if (event === 'alarm') this.scheduleReload(true);
    else if (event === 'readings') {
      const now = Date.now();
      if (now - this.lastReadingsReload < PENDING_RELOAD_MS) return;
      this.lastReadingsReload = now;
      this.scheduleReload(false);
    }
  }

  private async loadAlarms(): Promise<void> {
    const answer = await this.viewer.ok('/api/v1/alarms');
    this.alarmListMaxBytes = Math.max(this.alarmListMaxBytes, answer.bytes);
  }

  private async loadPoints(): Promise<void> {
    const tag = this.fixedTag;
    const [fixed] = await Promise.all([this.viewer.get('/api/v1/points?fields=fixed', tag ? { 'If-None-Match': tag } : {}), this.viewer.ok('/api/v1/points?fields=live')]);
    if (fixed.status !== 200 && fixed.status !== 304) throw new Error(`GET /api/v1/points?fields=fixed: ${fixed.status}`);
    this.fixedTag = fixed.etag ?? tag;
  }

  private scheduleReload(byAlarm: boolean): void {
    this.reloadByAlarm ||= byAlarm;
    if (this.reload !== null) return;
    this.reload = setTimeout(() => {
      this.reload = null;
      const withSite = this.reloadByAlarm;
      this.reloadByAlarm = false;
      this.timed(this.reloads, Promise.all([this.loadAlarms(), ...(withSite ? [this.viewer.ok('/api/v1/site')] : [])]));
    }, ALARM_RELOAD_DELAY_MS);
  }

  private timed(into: number[], requests: Promise<unknown>): void {
    const started = performance.now();
    requests.then(
      () => into.push(performance.now() - started),
      (error: unknown) => {
        if (!this.stopped) this.failures.push(String(error));
      },
    );
  }
}
