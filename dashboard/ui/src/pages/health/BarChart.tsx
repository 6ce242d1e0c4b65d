/**
 * Activations per bucket as SVG bars drawn from the data, with benchmark lines (the EEMUA 191 / ISA-18.2 figures):
 * a bar over a line stands above it, so the verdict is read from position and the numbers, not colour alone.
 */
import type { ActivationCount } from '../../api/types.ts';
import { formatTime, utcTooltip } from '../../format.ts';

const WIDTH = 960;
const HEIGHT = 220;
const PLOT = { left: 44, right: 8, top: 12, bottom: 28 } as const;
const X_LABELS = 6;

export interface Benchmark {
  readonly value: number;
  readonly label: string;
}

/** Every bucket of [from, to), the empty ones as 0 (the API leaves them out). */
function filled(counts: readonly ActivationCount[], from: number, to: number, bucketMs: number): ActivationCount[] {
  const byStart = new Map(counts.map((count) => [count.start, count.count]));
  const buckets: ActivationCount[] = [];
  for (let start = Math.floor(from / bucketMs) * bucketMs; start < to; start += bucketMs) buckets.push({ start, count: byStart.get(start) ?? 0 });
  return buckets;
}

export function BarChart({
  counts,
  from,
  to,
  bucketMs,
  benchmark,
  label,
  testId,
}: {
  readonly counts: readonly ActivationCount[];
  readonly from: number;
  readonly to: number;
  readonly bucketMs: number;
  readonly benchmark: Benchmark;
  readonly label: string;
  readonly testId: string;
}) {
  const buckets = filled(counts, from, to, bucketMs);
  const top = Math.max(1, benchmark.value, ...buckets.map((bucket) => bucket.count)) * 1.1;
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const y = (count: number) => PLOT.top + plotHeight * (1 - count / top);
  const step = plotWidth / Math.max(1, buckets.length);
  const labelEvery = Math.max(1, Math.ceil(buckets.length / X_LABELS));
  const dateOnly = bucketMs >= 24 * 3_600_000;
  return (
    <svg class="bar-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} data-testid={testId}>
      <line class="axis" x1={PLOT.left} y1={y(0)} x2={WIDTH - PLOT.right} y2={y(0)} />
      {[0, Math.round(top / 2), Math.floor(top)].map((tick) => (
        <text key={tick} class="tick" x={PLOT.left - 6} y={y(tick) + 5} text-anchor="end">
          {tick}
        </text>
      ))}
      {buckets.map((bucket, index) => (
        <g key={bucket.start}>
          {bucket.count > 0 && (
            <rect
              class={bucket.count > benchmark.value ? 'bar bar-over' : 'bar'}
              x={PLOT.left + index * step + step * 0.1}
              y={y(bucket.count)}
              width={Math.max(1, step * 0.8)}
              height={y(0) - y(bucket.count)}
            >
              <title>{`${formatTime(bucket.start)} (${utcTooltip(bucket.start)}): ${bucket.count}`}</title>
            </rect>
          )}
          {index % labelEvery === 0 && (
            <text class="tick" x={PLOT.left + index * step} y={HEIGHT - 8}>
              {dateOnly ? formatTime(bucket.start).slice(5, 10) : formatTime(bucket.start).slice(5, 16)}
            </text>
          )}
        </g>
      ))}
      <line class="benchmark" x1={PLOT.left} y1={y(benchmark.value)} x2={WIDTH - PLOT.right} y2={y(benchmark.value)} />
      <text class="benchmark-label" x={WIDTH - PLOT.right - 4} y={y(benchmark.value) - 6} text-anchor="end">
        {benchmark.label}
      </text>
    </svg>
  );
}
