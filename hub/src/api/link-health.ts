/**
 * Link health as provincial platforms score a gateway (shared/dashboard.md): per UTC day, hours online and offline and
 * the number of disconnections. Online is "at least one NATS connection of the gateway's user open": the gateway's
 * connections (from the NATS server's connect and disconnect events and the hub's looks, link-monitor.ts) merged into
 * spans, so a reconnect to another server of the cluster that overlaps the old connection is no disconnection. Time
 * without a connection, the hub's own silences included, is offline: silence is never all clear.
 */
import { DAY_MS, HOUR_MS } from '@hazmon/dashboard/http-kit';

/** One NATS connection of a gateway's user, epoch ms UTC; `disconnectedAt` null while it is open. */
export interface LinkConnection {
  readonly gateway: string;
  readonly connectedAt: number;
  readonly disconnectedAt: number | null;
}

export interface LinkScore {
  readonly onlineHours: number;
  readonly offlineHours: number;
  /** Times the gateway went from online to offline within the span. */
  readonly disconnections: number;
}

export interface LinkHealthDay extends LinkScore {
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
}

export interface GatewayLinkHealth extends LinkScore {
  readonly gateway: string;
  /** A connection open now. */
  readonly connected: boolean;
  /** Each UTC day of the span up to now; the totals above are their sums. */
  readonly days: readonly LinkHealthDay[];
}

type Span = readonly [start: number, end: number];

/** The gateway's online spans: its connections merged where they overlap or touch, an open one ending at +Infinity. */
function onlineSpans(connections: readonly LinkConnection[]): Span[] {
  const sorted = connections.map((connection): Span => [connection.connectedAt, connection.disconnectedAt ?? Number.POSITIVE_INFINITY]).sort((a, b) => a[0] - b[0]);
  const spans: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = spans.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
  }
  return spans;
}

/** Each gateway's online spans, the connections grouped once. */
function spansByGateway(connections: readonly LinkConnection[]): (gateway: string) => Span[] {
  const byGateway = new Map<string, LinkConnection[]>();
  for (const connection of connections) {
    const own = byGateway.get(connection.gateway);
    if (own === undefined) byGateway.set(connection.gateway, [connection]);
    else own.push(connection);
  }
  return (gateway) => onlineSpans(byGateway.get(gateway) ?? []);
}

function connectedAt(spans: readonly Span[], now: number): boolean {
  return spans.some(([start, end]) => start <= now && end > now);
}

/** Online time and disconnections (a span ending inside) over [start, end). */
function linkScore(spans: readonly Span[], start: number, end: number): LinkScore {
  let onlineMs = 0;
  let disconnections = 0;
  for (const [from, to] of spans) {
    onlineMs += Math.max(0, Math.min(to, end) - Math.max(from, start));
    if (to >= start && to < end) disconnections += 1;
  }
  const coveredMs = Math.max(0, end - start);
  return { onlineHours: onlineMs / HOUR_MS, offlineHours: (coveredMs - onlineMs) / HOUR_MS, disconnections };
}

/**
 * Per gateway (each one listed, heard from or not) and UTC day in [from, to) up to `now` (from and to on midnight UTC):
 * a gateway without a connection is offline the whole span.
 */
export function linkHealth(gateways: readonly string[], connections: readonly LinkConnection[], from: number, to: number, now: number): GatewayLinkHealth[] {
  const spansOf = spansByGateway(connections);
  return gateways.map((gateway) => {
    const spans = spansOf(gateway);
    const days: LinkHealthDay[] = [];
    for (let start = from; start < Math.min(to, now); start += DAY_MS) {
      days.push({ day: new Date(start).toISOString().slice(0, 10), ...linkScore(spans, start, Math.min(start + DAY_MS, now)) });
    }
    return {
      gateway,
      connected: connectedAt(spans, now),
      onlineHours: days.reduce((sum, day) => sum + day.onlineHours, 0),
      offlineHours: days.reduce((sum, day) => sum + day.offlineHours, 0),
      disconnections: days.reduce((sum, day) => sum + day.disconnections, 0),
      days,
    };
  });
}

/** The last 24 hours up to now, per gateway: the summary of /api/v1/sites. */
export function lastDayLinkScores(connections: readonly LinkConnection[], now: number): (gateway: string) => LinkScore & { readonly connected: boolean } {
  const spansOf = spansByGateway(connections);
  return (gateway) => {
    const spans = spansOf(gateway);
    return { ...linkScore(spans, now - DAY_MS, now), connected: connectedAt(spans, now) };
  };
}
