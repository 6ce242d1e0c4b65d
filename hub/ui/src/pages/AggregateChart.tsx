/**
 * One point's hourly buckets as an SVG chart: the average as a line inside its min..max band (a one-reading spike
 * stays visible), a gap where an hour has no good reading. Light enough to need no chart library; the same buckets
 * are in the table under it. Times on the axis as the rest of the page shows them.
 */
import { formatTime, formatValue } from '@hazmon/dashboard/ui/format';
import type { Bucket } from '../api-types.ts';
import { t } from '../i18n.ts';

const WIDTH = 960;
const HEIGHT = 300;
const MARGIN = { left: 70, right: 16, top: 28, bottom: 36 } as const;
const HOUR_MS = 3_600_000;

function niceTicks(min: number, max: number, count: number): number[] {
  const raw = (max - min) / count || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw) ?? raw) as number;
  const first = Math.ceil(min / step) * step;
  return Array.from({ length: Math.floor((max - first) / step + 1e-9) + 1 }, (_, index) => first + index * step);
}

/** Runs of consecutive hours with good readings: each is drawn on its own, so a missing hour is a gap. */
function runs(buckets: readonly Bucket[]): Bucket[][] {
  const result: Bucket[][] = [];
  let run: Bucket[] = [];
  for (const bucket of buckets) {
    const previous = run.at(-1);
    if (bucket.avg === null || bucket.min === null || bucket.max === null || (previous !== undefined && bucket.t - previous.t > HOUR_MS)) {
      if (run.length > 0) result.push(run);
      run = [];
    }
    if (bucket.avg !== null && bucket.min !== null && bucket.max !== null) run.push(bucket);
  }
  if (run.length > 0) result.push(run);
  return result;
}

/** `label`: the point as people name it (id, indicator name, unit); `unit` heads the value axis. */
export function AggregateChart({
  label,
  unit,
  buckets,
  from,
  to,
}: {
  readonly label: string;
  readonly unit: string | null;
  readonly buckets: readonly Bucket[];
  readonly from: number;
  readonly to: number;
}) {
  const good = buckets.filter((bucket) => bucket.min !== null && bucket.max !== null);
  if (good.length === 0) return <p data-testid="chart-empty">{t('site.noData')}</p>;
  const low = Math.min(...good.map((bucket) => bucket.min!));
  const high = Math.max(...good.map((bucket) => bucket.max!));
  const pad = (high - low) * 0.08 || Math.abs(high) * 0.1 || 1;
  const [yMin, yMax] = [low - pad, high + pad];
  const x = (time: number) => MARGIN.left + ((time - from) / (to - from)) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (value: number) => MARGIN.top + ((yMax - value) / (yMax - yMin)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  // Each bucket drawn at its hour's middle.
  const middle = (bucket: Bucket) => x(bucket.t + HOUR_MS / 2);
  const timeTicks = niceTicks(from / HOUR_MS, to / HOUR_MS, 6).map((hours) => hours * HOUR_MS);
  const spanDays = (to - from) / 86_400_000;
  const timeLabel = (ms: number) => (spanDays <= 1 ? formatTime(ms).slice(11, 16) : formatTime(ms).slice(5, 16));
  return (
    <svg class="aggregate-chart" data-testid="aggregate-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={t('site.chartLabel', { point: label })}>
      {unit !== null && (
        <text class="chart-unit" data-testid="chart-unit" x={MARGIN.left - 8} y={MARGIN.top - 12} text-anchor="end">
          {unit}
        </text>
      )}
      <g class="chart-grid">
        {niceTicks(yMin, yMax, 5).map((value) => (
          <g key={`y${value}`}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(value)} y2={y(value)} />
            <text x={MARGIN.left - 8} y={y(value) + 5} text-anchor="end">
              {formatValue(value)}
            </text>
          </g>
        ))}
        {timeTicks.map((time) => (
          <g key={`x${time}`}>
            <line x1={x(time)} x2={x(time)} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} />
            <text x={x(time)} y={HEIGHT - MARGIN.bottom + 24} text-anchor="middle">
              {timeLabel(time)}
            </text>
          </g>
        ))}
      </g>
      {runs(buckets).map((run) => (
        <g key={run[0]!.t}>
          <path
            class="chart-band"
            d={`M${run.map((bucket) => `${middle(bucket)},${y(bucket.max!)}`).join(' L')} L${[...run]
              .reverse()
              .map((bucket) => `${middle(bucket)},${y(bucket.min!)}`)
              .join(' L')} Z`}
          />
          <path class="chart-line" d={`M${run.map((bucket) => `${middle(bucket)},${y(bucket.avg!)}`).join(' L')}`} />
          {run.length === 1 && <circle class="chart-dot" cx={middle(run[0]!)} cy={y(run[0]!.avg!)} r={4} />}
        </g>
      ))}
    </svg>
  );
}
