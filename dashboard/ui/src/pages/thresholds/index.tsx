/**
 * Thresholds changed at run time (supervisor and admin): pick a point, see its limits in force beside the config
 * file's, move them with a reason (the order lolo < lo < hi < hihi checked here first; the agent checks it again
 * with the point's range and its refusal is shown as it is), and the overrides in force with the history of changes.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, CAN, session } from '../../api/client.ts';
import { formatValue } from '../../format.ts';
import { t } from '../../i18n/index.ts';
import { Time } from '../../shell/Time.tsx';
import '../admin/admin.css';
import { LIMITS, type LimitName, type Limits, orderBroken } from './limits.ts';
import { errorText } from '../../api/error-text.ts';

interface PointLimits {
  readonly id: string;
  readonly unit: string | null;
  readonly thresholds: Limits;
  readonly range: readonly [number, number] | null;
}

interface Override {
  readonly pointId: string;
  readonly limit: LimitName;
  readonly value: number;
  readonly configValue: number;
  readonly by: string;
  readonly at: number;
  readonly reason: string;
}

interface HistoryEntry {
  readonly time: number;
  readonly pointId: string;
  readonly limit: LimitName;
  readonly old: number | null;
  readonly new: number | null;
  readonly who: string;
  readonly why: string;
  /** config_file: a reload of the edited config file, or a start on a file edited while the agent was down. */
  readonly kind: 'changed' | 'removed' | 'retired' | 'config_file';
}

interface Changes {
  readonly inForce: readonly Override[];
  readonly history: readonly HistoryEntry[];
}

type Entry = { readonly kind: 'keep' } | { readonly kind: 'set'; readonly text: string } | { readonly kind: 'restore' };

const trendLink = (pointId: string) => `/trends?points=${encodeURIComponent(pointId)}`;

function PointLink({ pointId }: { readonly pointId: string }) {
  return <a href={trendLink(pointId)}>{pointId}</a>;
}

function shown(value: number | null): string {
  return value === null ? t('thresholds.none') : formatValue(value);
}

/** A limit's value with its point's unit ("25 %LEL"); the dash alone where there is none. */
function withUnit(value: number | null, unit: string | null | undefined): string {
  return value === null || !unit ? shown(value) : `${formatValue(value)} ${unit}`;
}

function ChangeForm({ point, overrides, onApplied }: { readonly point: PointLimits; readonly overrides: readonly Override[]; readonly onApplied: () => Promise<void> }) {
  const entries = useSignal<Readonly<Record<LimitName, Entry>>>({ lolo: { kind: 'keep' }, lo: { kind: 'keep' }, hi: { kind: 'keep' }, hihi: { kind: 'keep' } });
  const reason = useSignal('');
  const error = useSignal<{ readonly field: string | null; readonly message: string } | null>(null);
  const applied = useSignal(false);
  const overrideOf = (limit: LimitName) => overrides.find((override) => override.limit === limit);
  const configValue = (limit: LimitName) => overrideOf(limit)?.configValue ?? point.thresholds[limit];
  const setEntry = (limit: LimitName, entry: Entry) => {
    entries.value = { ...entries.value, [limit]: entry };
    applied.value = false;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    applied.value = false;
    const body: Partial<Record<LimitName, number | null>> = {};
    const proposed: Record<LimitName, number | null> = { ...point.thresholds };
    for (const limit of LIMITS) {
      const entry = entries.value[limit];
      if (entry.kind === 'restore') {
        body[limit] = null;
        proposed[limit] = configValue(limit);
      } else if (entry.kind === 'set' && entry.text.trim() !== '') {
        const value = Number(entry.text);
        if (!Number.isFinite(value)) return (error.value = { field: limit, message: t('thresholds.notNumber', { limit }) });
        body[limit] = value;
        proposed[limit] = value;
      }
    }
    if (Object.keys(body).length === 0) return (error.value = { field: null, message: t('thresholds.nothingToChange') });
    if (reason.value.trim() === '') return (error.value = { field: 'reason', message: t('thresholds.reasonRequired') });
    const broken = orderBroken(proposed);
    if (broken) {
      const [lower, upper] = broken;
      return (error.value = { field: upper, message: t('thresholds.orderBroken', { lower, lowerValue: shown(proposed[lower]), upper, upperValue: shown(proposed[upper]) }) });
    }
    try {
      await api.put(`/api/v1/points/${encodeURIComponent(point.id)}/thresholds`, { ...body, reason: reason.value.trim() });
      error.value = null;
      applied.value = true;
      reason.value = '';
      entries.value = { lolo: { kind: 'keep' }, lo: { kind: 'keep' }, hi: { kind: 'keep' }, hihi: { kind: 'keep' } };
      await onApplied();
    } catch (failure) {
      error.value = { field: null, message: t('thresholds.refused', { message: errorText(failure) }) };
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="threshold-form">
      <table data-testid="limits">
        <thead>
          <tr>
            <th scope="col">{t('thresholds.limit')}</th>
            <th scope="col">{t('thresholds.inForce')}</th>
            <th scope="col">{t('thresholds.configValue')}</th>
            <th scope="col">{t('thresholds.newValue')}</th>
          </tr>
        </thead>
        <tbody>
          {LIMITS.map((limit) => {
            const override = overrideOf(limit);
            const entry = entries.value[limit];
            const has = point.thresholds[limit] !== null;
            return (
              <tr key={limit} data-testid={`limit-${limit}`}>
                <th scope="row">{t(`thresholds.names.${limit}`)}</th>
                <td>
                  <span class="value" data-testid="in-force">
                    {shown(point.thresholds[limit])}
                  </span>{' '}
                  {point.thresholds[limit] !== null && point.unit}
                  {override && (
                    <div>
                      <span class="mark overridden">{t('thresholds.overridden')}</span> {override.by} <Time ms={override.at} />
                    </div>
                  )}
                </td>
                <td>
                  <span data-testid="config-value">{shown(configValue(limit))}</span>
                  {configValue(limit) !== null && point.unit !== null && ` ${point.unit}`}
                </td>
                <td>
                  {has ? (
                    <div class="field">
                      <input
                        aria-label={t('thresholds.newValueOf', { limit: t(`thresholds.names.${limit}`) })}
                        name={limit}
                        inputMode="decimal"
                        disabled={entry.kind === 'restore'}
                        value={entry.kind === 'set' ? entry.text : ''}
                        onInput={(event) => setEntry(limit, { kind: 'set', text: event.currentTarget.value })}
                      />
                      {override && (
                        <label class="check">
                          <input
                            type="checkbox"
                            name={`${limit}-restore`}
                            checked={entry.kind === 'restore'}
                            onChange={(event) => setEntry(limit, event.currentTarget.checked ? { kind: 'restore' } : { kind: 'keep' })}
                          />{' '}
                          {t('thresholds.restore')}
                        </label>
                      )}
                      {error.value?.field === limit && (
                        <span class="form-error" role="alert" data-testid="threshold-error">
                          {error.value.message}
                        </span>
                      )}
                    </div>
                  ) : (
                    <span class="muted">{t('thresholds.noSuchLimit')}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {point.range && <p class="muted">{t('thresholds.range', { low: formatValue(point.range[0]), high: formatValue(point.range[1]), unit: point.unit ?? '' })}</p>}
      <div class="form-row">
        <label class="field wide">
          <span>{t('thresholds.reason')}</span>
          <input name="reason" maxLength={500} value={reason.value} onInput={(event) => (reason.value = event.currentTarget.value)} />
          {error.value?.field === 'reason' && (
            <span class="form-error" role="alert" data-testid="threshold-error">
              {error.value.message}
            </span>
          )}
        </label>
        <button type="submit" class="primary" data-testid="apply-thresholds">
          {t('thresholds.apply')}
        </button>
      </div>
      {error.value && error.value.field === null && (
        <p class="form-error" role="alert" data-testid="threshold-error">
          {error.value.message}
        </p>
      )}
      {applied.value && (
        <p role="status" data-testid="threshold-applied">
          {t('thresholds.applied')}
        </p>
      )}
    </form>
  );
}

function Overrides({ inForce, unitOf }: { readonly inForce: readonly Override[]; readonly unitOf: (pointId: string) => string | null | undefined }) {
  if (inForce.length === 0) return <p>{t('thresholds.noOverrides')}</p>;
  return (
    <table data-testid="overrides">
      <thead>
        <tr>
          <th scope="col">{t('thresholds.point')}</th>
          <th scope="col">{t('thresholds.limit')}</th>
          <th scope="col">{t('thresholds.inForce')}</th>
          <th scope="col">{t('thresholds.configValue')}</th>
          <th scope="col">{t('thresholds.by')}</th>
          <th scope="col">{t('thresholds.reason')}</th>
        </tr>
      </thead>
      <tbody>
        {inForce.map((override) => (
          <tr key={`${override.pointId}/${override.limit}`}>
            <td>
              <PointLink pointId={override.pointId} />
            </td>
            <td>{t(`thresholds.names.${override.limit}`)}</td>
            <td>{withUnit(override.value, unitOf(override.pointId))}</td>
            <td>{withUnit(override.configValue, unitOf(override.pointId))}</td>
            <td>
              {override.by}
              <div class="muted">
                <Time ms={override.at} />
              </div>
            </td>
            <td>{override.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The entry's kind in words: the config file's change as the trend's list names it. */
function kindWord(kind: HistoryEntry['kind']): string {
  return kind === 'config_file' ? t('trends.limitChangeKind.config_file') : t(`thresholds.kind.${kind}`);
}

function History({ history, unitOf }: { readonly history: readonly HistoryEntry[]; readonly unitOf: (pointId: string) => string | null | undefined }) {
  if (history.length === 0) return <p>{t('thresholds.noHistory')}</p>;
  return (
    <table data-testid="history">
      <thead>
        <tr>
          <th scope="col">{t('thresholds.when')}</th>
          <th scope="col">{t('thresholds.point')}</th>
          <th scope="col">{t('thresholds.limit')}</th>
          <th scope="col">{t('thresholds.old')}</th>
          <th scope="col">{t('thresholds.new')}</th>
          <th scope="col">{t('thresholds.by')}</th>
          <th scope="col">{t('thresholds.reason')}</th>
        </tr>
      </thead>
      <tbody>
        {history.map((entry) => (
          <tr key={`${entry.time}/${entry.pointId}/${entry.limit}/${entry.kind}`} data-testid="history-row" data-kind={entry.kind}>
            <td>
              <Time ms={entry.time} />
            </td>
            <td>
              <PointLink pointId={entry.pointId} />
            </td>
            <td>{t(`thresholds.names.${entry.limit}`)}</td>
            <td>{withUnit(entry.old, unitOf(entry.pointId))}</td>
            <td>{withUnit(entry.new, unitOf(entry.pointId))}</td>
            <td>
              {entry.who}
              <div class="muted">{kindWord(entry.kind)}</div>
            </td>
            <td>{entry.why}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function ThresholdsPage() {
  const role = session.value?.role;
  const { query, route } = useLocation();
  const points = useSignal<readonly PointLimits[] | null>(null);
  const changes = useSignal<Changes | null>(null);
  const loadError = useSignal<string | null>(null);
  const allowed = role !== undefined && CAN.changeThresholds(role);

  const reload = async () => {
    try {
      const [pointList, changeList] = await Promise.all([api.get<{ points: PointLimits[] }>('/api/v1/points'), api.get<Changes>('/api/v1/threshold-changes')]);
      points.value = pointList.points.filter((point) => LIMITS.some((limit) => point.thresholds[limit] !== null));
      changes.value = changeList;
      loadError.value = null;
    } catch (failure) {
      loadError.value = errorText(failure);
    }
  };
  useEffect(() => {
    if (allowed) void reload();
  }, [allowed]);

  if (!allowed) {
    return (
      <section class="page thresholds-page">
        <h1>{t('nav.thresholds')}</h1>
        <p role="alert">{t('thresholds.notAllowed')}</p>
      </section>
    );
  }
  const selected = points.value?.find((point) => point.id === query['point']) ?? points.value?.[0];
  const units = new Map(points.value?.map((point) => [point.id, point.unit]));
  const unitOf = (pointId: string) => units.get(pointId);
  return (
    <section class="page thresholds-page">
      <h1>{t('nav.thresholds')}</h1>
      <p class="muted">{t('thresholds.hint')}</p>
      {loadError.value && (
        <p class="form-error" role="alert">
          {t('admin.failed', { message: loadError.value })}
        </p>
      )}
      {points.value === null || changes.value === null ? (
        <p>{t('overview.loading')}</p>
      ) : selected === undefined ? (
        <p>{t('thresholds.noPoints')}</p>
      ) : (
        <>
          <section aria-labelledby="change-title">
            <h2 id="change-title">{t('thresholds.change')}</h2>
            <label class="field">
              <span>{t('thresholds.point')}</span>
              <select data-testid="point" value={selected.id} onChange={(event) => route(`/thresholds?point=${encodeURIComponent(event.currentTarget.value)}`)}>
                {points.value.map((point) => (
                  <option key={point.id} value={point.id}>
                    {point.id}
                  </option>
                ))}
              </select>
            </label>
            <p>
              <a href={trendLink(selected.id)}>{t('thresholds.openTrend')}</a>
            </p>
            <ChangeForm key={selected.id} point={selected} overrides={changes.value.inForce.filter((override) => override.pointId === selected.id)} onApplied={reload} />
          </section>
          <section aria-labelledby="overrides-title">
            <h2 id="overrides-title">{t('thresholds.overrides')}</h2>
            <Overrides inForce={changes.value.inForce} unitOf={unitOf} />
          </section>
          <section aria-labelledby="history-title">
            <h2 id="history-title">{t('thresholds.history')}</h2>
            <History history={changes.value.history} unitOf={unitOf} />
          </section>
        </>
      )}
    </section>
  );
}
