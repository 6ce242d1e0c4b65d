/**
 * The live state every page reads: points' latest values, the active alarms, the site, and the stream's health. The
 * first load is GET /api/v1/points, /alarms and /site; then one EventSource on /api/v1/stream keeps them current.
 * `readings` patch the values; an `alarm` event reloads the alarm list (its rows carry the event, the list the state),
 * and so do readings, at most once a second, for the running delays (PENDING_RELOAD_MS).
 * When the stream drops, `connection` says since when and every value counts as stale until the stream is back and
 * the lists are reloaded: silence is never "all clear".
 */
import { batch, computed, signal } from '@preact/signals';
import { api, restoreSession, session } from '../api/client.ts';
import type { AlarmList, Point, PointFixed, PointLive, ReadingsData, Site } from '../api/types.ts';
import { timeZone } from '../format.ts';

export type Connection = { readonly state: 'connecting' } | { readonly state: 'live' } | { readonly state: 'down'; readonly since: number };

export const points = signal<ReadonlyMap<string, Point>>(new Map());
export const alarms = signal<AlarmList>({ engine: [], runtime: [], pending: [] });
export const site = signal<Site | null>(null);
export const connection = signal<Connection>({ state: 'connecting' });
/** True while values may be old: the stream is not (yet, or no longer) live. */
export const stale = computed(() => connection.value.state !== 'live');

const STREAM_PATH = '/api/v1/stream';
/** After the browser gave up (an HTTP error such as a restart's 401 or a 503), a new stream is tried this often. */
const REOPEN_MS = 3000;
/**
 * Alarm events of one burst (a flood, the rows a reconnection replays) arrive within a few ms: one reload serves them
 * all. Short, because it adds to every alarm's way to the screen (issue 19: p99 <= 250 ms; bench/ui.bench.ts).
 */
const ALARM_RELOAD_DELAY_MS = 20;
/**
 * A running on-delay starts on a reading and, when the value turns back in time, ends without any alarm event: while
 * readings come, the alarm list (with its `pending` delays) is read again at most this often.
 */
const PENDING_RELOAD_MS = 1000;
let lastReadingsReload = 0;

function reloadAfterReadings(): void {
  const now = Date.now();
  if (now - lastReadingsReload < PENDING_RELOAD_MS) return;
  lastReadingsReload = now;
  scheduleAlarmReload(false);
}

/**
 * `onlyIfChanged`: the reload that readings cause (PENDING_RELOAD_MS) sets the list only when it differs, so pages that
 * act on each new list (the alarm page reads the history) do so on alarm events, not every second.
 */
export async function reloadAlarms(onlyIfChanged = false): Promise<void> {
  const next = await api.get<AlarmList>('/api/v1/alarms');
  if (!onlyIfChanged || JSON.stringify(next) !== JSON.stringify(alarms.value)) alarms.value = next;
}

const NO_LIVE_VALUE: Omit<PointLive, 'id'> = { value: null, quality: null, reason: null, sourceTime: null, receiveTime: null };

/**
 * The fixed fields change only with the config: the server gives them with an ETag and no-cache, so the browser keeps
 * them and asks again with If-None-Match (a 304 while unchanged, ~3 MB not sent at 10k points); the live ones each time.
 */
async function reloadPoints(): Promise<void> {
  const [fixed, live] = await Promise.all([api.get<{ points: PointFixed[] }>('/api/v1/points?fields=fixed'), api.get<{ points: PointLive[] }>('/api/v1/points?fields=live')]);
  const liveById = new Map(live.points.map((point) => [point.id, point]));
  points.value = new Map(fixed.points.map((point) => [point.id, { ...point, ...NO_LIVE_VALUE, ...liveById.get(point.id) }]));
}

async function reloadSite(): Promise<void> {
  const answer = await api.get<Site>('/api/v1/site');
  site.value = answer;
  if (answer.site.timeZone) timeZone.value = answer.site.timeZone;
}

function applyReadings(readings: ReadingsData): void {
  const next = new Map(points.value);
  readings.pointIds.forEach((pointId, i) => {
    const point = next.get(pointId);
    if (point === undefined) return;
    const quality = readings.qualities?.[i] ?? 'good';
    next.set(pointId, { ...point, value: readings.values[i] ?? null, quality, receiveTime: readings.base + readings.times[i]!, reason: quality === 'good' ? null : point.reason });
  });
  points.value = next;
}

function markDown(): void {
  if (connection.value.state !== 'down') connection.value = { state: 'down', since: Date.now() };
}

let source: EventSource | null = null;
let reopenTimer: ReturnType<typeof setTimeout> | null = null;
let alarmReload: ReturnType<typeof setTimeout> | null = null;
/** Whether an alarm event asked for the scheduled reload (then the list is set even when equal). */
let alarmEventReload = false;

function scheduleAlarmReload(byAlarmEvent: boolean): void {
  alarmEventReload ||= byAlarmEvent;
  if (alarmReload !== null) return;
  alarmReload = setTimeout(() => {
    alarmReload = null;
    const byAlarmEvents = alarmEventReload;
    alarmEventReload = false;
    reloadAlarms(!byAlarmEvents).catch(markDown);
    // The site's and its areas' warning grades follow the alarms and latches (a latch and its reset are alarm events
    // too): loaded once at connection, an area would show "normal" through the whole overfill.
    if (byAlarmEvents) reloadSite().catch(markDown);
  }, ALARM_RELOAD_DELAY_MS);
}

function open(): void {
  const stream = new EventSource(STREAM_PATH);
  source = stream;
  // `hello` comes first on every (re)connection: whatever happened while away is in the lists reloaded now.
  stream.addEventListener('hello', () => {
    Promise.all([reloadAlarms(), reloadPoints(), reloadSite()])
      .then(() => {
        if (source === stream) connection.value = { state: 'live' };
      })
      .catch(markDown);
  });
  stream.addEventListener('alarm', () => scheduleAlarmReload(true));
  stream.addEventListener('readings', (event) => {
    applyReadings(JSON.parse((event as MessageEvent<string>).data) as ReadingsData);
    reloadAfterReadings();
  });
  stream.addEventListener('error', () => {
    markDown();
    // The browser retries by itself (with Last-Event-ID) after a network drop; after an HTTP error it gives up.
    if (stream.readyState === EventSource.CLOSED) reopenLater();
  });
}

function reopenLater(): void {
  source?.close();
  source = null;
  reopenTimer ??= setTimeout(() => {
    reopenTimer = null;
    // A restarted server has forgotten the session: the login page comes back instead of a stream refused forever.
    void restoreSession().then(() => {
      if (session.value) open();
    }, reopenLater);
  }, REOPEN_MS);
}

export function startLive(): void {
  if (source || reopenTimer) return;
  connection.value = { state: 'connecting' };
  open();
}

export function stopLive(): void {
  source?.close();
  source = null;
  if (reopenTimer) clearTimeout(reopenTimer);
  reopenTimer = null;
  batch(() => {
    points.value = new Map();
    alarms.value = { engine: [], runtime: [], pending: [] };
    connection.value = { state: 'connecting' };
  });
}
