/**
 * The audit log (GET /api/v1/audit) for supervisors and admins: who did what to which target, with what result and
 * reason, filtered by person, action and time, newest first (or oldest first), a page at a time (load older via
 * `next`); the filters live in the URL (url.ts). The hash chain's status is on top: intact with the rows checked, or a
 * red banner naming each altered, missing or duplicated row.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api/client.ts';
import type { AuditPage, AuditRow } from '../../api/types.ts';
import { type MessageKey, t } from '../../i18n/index.ts';
import { lastPreset, type Range, RangePicker } from '../../shell/RangePicker.tsx';
import { DAY_MS } from '../../shell/site-time.ts';
import { Time } from '../../shell/Time.tsx';
import './audit.css';
import { actionName, auditNotes, detailText, KNOWN_ACTIONS } from './notes.ts';
import { type AuditView, auditUrl, isPreset, parseAuditView } from './url.ts';
import { errorText } from '../../api/error-text.ts';

const PAGE_SIZE = 100;
const PRESETS = [lastPreset('24h', 'audit.last24h', DAY_MS), lastPreset('7d', 'audit.last7d', 7 * DAY_MS), lastPreset('30d', 'audit.last30d', 30 * DAY_MS)];

const KNOWN_COMMANDS = ['ack', 'shelve', 'unshelve', 'suppress', 'unsuppress', 'remove_from_service', 'return_to_service', 'reset'];

function Result({ row }: { readonly row: AuditRow }) {
  const result = detailText(row.details, 'result');
  if (result === null) return <span>—</span>;
  const refused = result === 'refused' || result === 'failed';
  const known = ['accepted', 'refused', 'written', 'failed'].includes(result);
  return <span class={`mark ${refused ? 'verdict-over' : 'verdict-ok'}`}>{known ? t(`audit.results.${result}` as MessageKey) : result}</span>;
}

function ChainStatus({ chain }: { readonly chain: AuditPage['chain'] }) {
  if (chain.ok)
    return (
      <div class="chain chain-ok" role="status" data-testid="chain-ok">
        <span class="mark verdict-ok">{t('audit.chainOk')}</span> {t('audit.rowsChecked', { count: chain.rowsChecked })}
      </div>
    );
  return (
    <div class="banner banner-lost chain" role="alert" data-testid="chain-broken">
      <p>
        <span aria-hidden="true">⚠ </span>
        {t('audit.chainBroken', { count: chain.problems.length, checked: chain.rowsChecked })}
      </p>
      <ul>
        {chain.problems.map((problem) => (
          <li key={`${problem.seq}-${problem.problem}`}>
            {t('audit.problem', { seq: problem.seq, problem: t(`audit.problems.${problem.problem}`) })}: {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export default function AuditLogPage() {
  const { query, route } = useLocation();
  const view = parseAuditView(query);
  const go = (next: AuditView) => route(auditUrl(next), true);
  // A preset's window ends when it is chosen (or the page opened): asked again, it moves to now.
  const asked = useSignal(0);
  const { range: choice } = view;
  const rangeKey = choice.kind === 'custom' ? `${choice.from}-${choice.to}` : choice.key;
  const range = useMemo<Range>(() => (choice.kind === 'custom' ? choice : PRESETS.find((preset) => preset.key === choice.key)!.range()), [rangeKey, asked.value]);
  const who = useSignal(view.who);
  const action = useSignal(view.action);
  const rows = useSignal<readonly AuditRow[]>([]);
  const page = useSignal<AuditPage | null>(null);
  const loading = useSignal(false);
  const error = useSignal<string | null>(null);
  // Pages of an earlier view that answer late are dropped: rows of two filters are never mixed.
  const current = useRef(0);

  /** A page of the view: its first (cursor null) or the next one after `cursor`, further back newest first. */
  const load = async (cursor: number | null) => {
    const request = ++current.current;
    const params = new URLSearchParams({ from: String(range.from), to: String(range.to), limit: String(PAGE_SIZE), order: view.order });
    if (cursor !== null) params.set(view.order === 'newest' ? 'before' : 'after', String(cursor));
    if (view.who !== '') params.set('who', view.who);
    if (view.action !== '') params.set('action', view.action);
    loading.value = true;
    try {
      const answer = await api.get<AuditPage>(`/api/v1/audit?${params}`);
      if (request !== current.current) return;
      rows.value = cursor === null ? answer.rows : [...rows.value, ...answer.rows];
      page.value = answer;
      error.value = null;
    } catch (failure) {
      if (request === current.current) error.value = errorText(failure);
    } finally {
      if (request === current.current) loading.value = false;
    }
  };
  useEffect(() => {
    void load(null);
  }, [range, view.who, view.action, view.order]);
  // Back and forward move through views: the typed fields follow the view shown.
  useEffect(() => {
    who.value = view.who;
    action.value = view.action;
  }, [view.who, view.action]);

  return (
    <section class="page audit-page">
      <h1>{t('audit.title')}</h1>
      {page.value && <ChainStatus chain={page.value.chain} />}
      <RangePicker
        presets={PRESETS}
        chosen={choice.kind === 'custom' ? 'custom' : choice.key}
        range={range}
        onChange={(next, key) => {
          asked.value++;
          go({ ...view, range: isPreset(key) ? { kind: 'preset', key } : { kind: 'custom', ...next } });
        }}
      />
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          go({ ...view, who: who.value.trim(), action: action.value.trim() });
        }}
      >
        <label>
          {t('audit.who')}
          <input data-testid="filter-who" value={who.value} placeholder={t('audit.anyone')} onInput={(event) => (who.value = event.currentTarget.value)} />
        </label>
        <label>
          {t('audit.action')}
          <select data-testid="filter-action" value={action.value} onChange={(event) => (action.value = event.currentTarget.value)}>
            <option value="">{t('audit.anyAction')}</option>
            {KNOWN_ACTIONS.map((code) => (
              <option key={code} value={code}>
                {actionName(code)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" data-testid="filter-apply">
          {t('audit.filter')}
        </button>
        <label>
          {t('audit.order')}
          <select data-testid="filter-order" value={view.order} onChange={(event) => go({ ...view, order: event.currentTarget.value === 'oldest' ? 'oldest' : 'newest' })}>
            <option value="newest">{t('audit.newestFirst')}</option>
            <option value="oldest">{t('audit.oldestFirst')}</option>
          </select>
        </label>
      </form>
      {error.value && (
        <p class="form-error" role="alert">
          {t('audit.failed', { message: error.value })}
        </p>
      )}
      {page.value && rows.value.length === 0 && <p data-testid="audit-empty">{t('audit.empty')}</p>}
      {rows.value.length > 0 && (
        <table class="audit-table" data-testid="audit-rows">
          <thead>
            <tr>
              <th scope="col">{t('audit.time')}</th>
              <th scope="col">{t('audit.who')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.target')}</th>
              <th scope="col">{t('audit.result')}</th>
              <th scope="col">{t('audit.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.value.map((row) => {
              const command = detailText(row.details, 'command');
              const role = detailText(row.details, 'role');
              const notes = auditNotes(row);
              return (
                <tr key={row.seq} data-testid={`audit-${row.seq}`} data-action={row.action}>
                  <td>
                    <Time ms={row.time} />
                    <div class="muted">#{row.seq}</div>
                  </td>
                  <td>
                    {row.who}
                    {role && <div class="muted">{t(`role.${role}` as MessageKey)}</div>}
                  </td>
                  <td>
                    {actionName(row.action)}
                    {command && <div class="muted">{KNOWN_COMMANDS.includes(command) ? t(`audit.commands.${command}` as MessageKey) : command}</div>}
                  </td>
                  <td class="wrap">{row.target ?? '—'}</td>
                  <td>
                    <Result row={row} />
                  </td>
                  <td class="wrap">
                    {notes.length === 0
                      ? '—'
                      : notes.map((line) => (
                          <div key={line} data-testid="audit-note">
                            {line}
                          </div>
                        ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {page.value && !page.value.complete && (
        <button type="button" data-testid="load-more" disabled={loading.value} onClick={() => void load(page.value!.next)}>
          {view.order === 'newest' ? t('audit.loadOlder') : t('audit.loadMore')}
        </button>
      )}
      {page.value?.complete && rows.value.length > 0 && <p class="muted">{t('audit.end', { count: rows.value.length })}</p>}
    </section>
  );
}
