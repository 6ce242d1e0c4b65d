/** DuckDB schema of the agent's store: tables, compact codes and the meta keys that survive restarts. */
export const SCHEMA_VERSION = 2;

/** Rollup levels: bucket width in ms, the table that holds them, and the finer level they are built from. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type RollupLevel = '1m' | '1h' | '1d';
export const ROLLUP_WIDTH_MS: Readonly<Record<RollupLevel, number>> = { '1m': MINUTE_MS, '1h': HOUR_MS, '1d': DAY_MS };
/** Start of the bucket (window, step) of `width` ms that holds `time`. */
export const floorTo = (time: number, width: number): number => Math.floor(time / width) * width;
export const ROLLUP_TABLE: Readonly<Record<RollupLevel, string>> = { '1m': 'rollup_1m', '1h': 'rollup_1h', '1d': 'rollup_1d' };

/** `store_meta` keys; each rollup level keeps the bucket start up to which it is complete. */
export const META_SCHEMA_VERSION = 'schema_version';
export const rollupWatermarkKey = (level: RollupLevel): string => `rollup_${level}_complete_until`;

const rollupTable = (name: string): string => `
CREATE TABLE IF NOT EXISTS ${name} (
  point_idx  INTEGER NOT NULL,
  bucket     BIGINT  NOT NULL, -- bucket start, epoch ms UTC (gateway receive time)
  min_value  DOUBLE,           -- over good readings only; NULL when the bucket had none
  max_value  DOUBLE,
  sum_value  DOUBLE,           -- sum, not avg, so partial rows merge exactly; avg = sum_value / good_count
  count      INTEGER NOT NULL, -- every reading, whatever its quality
  good_count INTEGER NOT NULL
);`;

/** Every statement is idempotent so opening an existing file runs the same DDL. */
export const SCHEMA_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR NOT NULL, value BIGINT NOT NULL);`,
  `
CREATE TABLE IF NOT EXISTS points (
  point_idx          INTEGER NOT NULL, -- small integer used in every raw row
  point_id           VARCHAR NOT NULL, -- the configured string id
  unit               VARCHAR NOT NULL,
  resolution         DOUBLE  NOT NULL, -- engineering units per stored step; fixed once rows exist
  value_divisor      DOUBLE  NOT NULL, -- 1 / resolution: value = value_scaled / value_divisor
  poll_interval_ms   INTEGER NOT NULL, -- expected spacing of readings, for completeness
  value_kind         VARCHAR NOT NULL, -- 'number' | 'boolean'
  description        VARCHAR,
  indicator_code     VARCHAR,
  equipment_code     VARCHAR,
  gateway_code       VARCHAR,
  tag_number         VARCHAR,
  low_low            DOUBLE,
  low                DOUBLE,
  high               DOUBLE,
  high_high          DOUBLE,
  range_low          DOUBLE,
  range_high         DOUBLE,
  longitude          DOUBLE,
  latitude           DOUBLE,
  hazard_source_code VARCHAR,
  cas_number         VARCHAR,
  disabled           BOOLEAN NOT NULL,
  disabled_by        VARCHAR,
  disabled_at        BIGINT,
  disabled_reason    VARCHAR,
  updated_at         BIGINT  NOT NULL
);`,
  `
CREATE TABLE IF NOT EXISTS raw_readings (
  point_idx    INTEGER  NOT NULL, -- points.point_idx
  t            BIGINT   NOT NULL, -- gateway receive time, epoch ms UTC
  value_scaled INTEGER,           -- value * points.value_divisor, rounded; NULL when the reading has no value
  quality      UTINYINT NOT NULL, -- QUALITY_CODE: 0 good, 1 uncertain, 2 bad
  source_t     BIGINT,            -- source time, epoch ms UTC; NULL when the source has no clock
  reason       UTINYINT NOT NULL, -- REASON_CODE; 0 = no reason (good readings): NOT NULL keeps the appender off its slow null path
  reason_text  INTEGER DEFAULT 0  -- reason_texts.text_id of the reason message; 0 = none (good readings, rows of schema 1)
);`,
  // Schema 1 files: the column comes last, as in the CREATE above.
  `ALTER TABLE raw_readings ADD COLUMN IF NOT EXISTS reason_text INTEGER DEFAULT 0;`,
  `
CREATE TABLE IF NOT EXISTS reason_texts (
  text_id INTEGER NOT NULL, -- 1, 2, 3, ...; a text seen again after the store forgot it gets another id
  text    VARCHAR NOT NULL  -- the reason message, naming device, function and register
);`,
  rollupTable('rollup_1m'),
  rollupTable('rollup_1h'),
  rollupTable('rollup_1d'),
  `
CREATE TABLE IF NOT EXISTS alarm_events (
  seq         BIGINT  NOT NULL, -- 1, 2, 3, ... in commit order; the cursor for readers
  t           BIGINT  NOT NULL, -- event time, epoch ms UTC
  point_id    VARCHAR,          -- NULL for events not tied to one point (e.g. a voting group)
  rule_id     VARCHAR NOT NULL,
  kind        VARCHAR NOT NULL, -- raised | cleared | acknowledged | shelved | unshelved | reset | action_commanded | ...
  state_after VARCHAR NOT NULL,
  priority    VARCHAR,          -- emergency | high | medium | low
  who         VARCHAR,          -- person or 'engine'
  why         VARCHAR,
  details     VARCHAR,          -- canonical JSON (sorted keys)
  written_at  BIGINT  NOT NULL  -- when the store committed it, epoch ms UTC
);`,
  `
CREATE TABLE IF NOT EXISTS audit_log (
  seq       BIGINT  NOT NULL, -- 1, 2, 3, ... without gaps
  t         BIGINT  NOT NULL, -- epoch ms UTC
  who       VARCHAR NOT NULL,
  action    VARCHAR NOT NULL,
  target    VARCHAR,
  details   VARCHAR,          -- canonical JSON (sorted keys)
  prev_hash VARCHAR NOT NULL, -- hash of row seq-1 (64 zeros for seq 1)
  hash      VARCHAR NOT NULL  -- SHA-256 hex over the canonical serialization of this row including prev_hash
);`,
];
