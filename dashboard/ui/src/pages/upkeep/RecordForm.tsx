/**
 * Enter a bump test or calibration (operator and up). Checked here before sending (a detector, a time not in the
 * future, a next due after it, notes within 2000 characters); the server's refusal is shown at the field it names.
 */
import { useSignal } from '@preact/signals';
import { ApiError, api } from '../../api/client.ts';
import { t } from '../../i18n/index.ts';
import { SiteTimeField, siteTimeProblem } from '../../shell/SiteTimeField.tsx';
import { fromSiteInput, toSiteInput } from '../../shell/site-time.ts';
import { type DetectorUpkeep, UPKEEP_KINDS, UPKEEP_RESULTS, type UpkeepKind, type UpkeepResult } from './types.ts';
import { errorText } from '../../api/error-text.ts';

/** The server's slack for a tester's watch running ahead of the gateway. */
const CLOCK_SLACK_MS = 5 * 60_000;
const NOTES_MAX = 2000;

type Field = 'deviceId' | 'kind' | 'at' | 'result' | 'notes' | 'nextDue';
type Errors = Partial<Record<Field | 'form', string>>;

export function RecordForm({ detectors, deviceId, onRecorded }: { readonly detectors: readonly DetectorUpkeep[]; readonly deviceId: string; readonly onRecorded: () => Promise<void> }) {
  const device = useSignal(deviceId);
  const kind = useSignal<UpkeepKind>('bump_test');
  const at = useSignal(toSiteInput(Date.now()));
  const result = useSignal<UpkeepResult>('pass');
  const notes = useSignal('');
  const nextDue = useSignal('');
  const errors = useSignal<Errors>({});
  const saved = useSignal(false);

  const validate = (): { errors: Errors; body?: Record<string, unknown> } => {
    const found: Errors = {};
    if (!detectors.some((detector) => detector.deviceId === device.value)) found.deviceId = t('upkeep.errors.device');
    const atMs = fromSiteInput(at.value);
    const atProblem = siteTimeProblem(at.value, { required: true });
    if (atProblem !== null) found.at = atProblem;
    else if (atMs !== null && atMs > Date.now() + CLOCK_SLACK_MS) found.at = t('upkeep.errors.future');
    const dueMs = nextDue.value.trim() === '' ? undefined : fromSiteInput(nextDue.value);
    const dueProblem = siteTimeProblem(nextDue.value, { required: false });
    if (dueProblem !== null) found.nextDue = dueProblem;
    else if (dueMs != null && atMs !== null && dueMs <= atMs) found.nextDue = t('upkeep.errors.dueBeforeAt');
    const text = notes.value.trim();
    if (text.length > NOTES_MAX) found.notes = t('upkeep.errors.notesLong', { max: NOTES_MAX });
    if (Object.keys(found).length > 0) return { errors: found };
    return { errors: found, body: { kind: kind.value, at: atMs, result: result.value, ...(text === '' ? {} : { notes: text }), ...(dueMs == null ? {} : { nextDue: dueMs }) } };
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    saved.value = false;
    const checked = validate();
    errors.value = checked.errors;
    if (!checked.body) return;
    try {
      await api.post(`/api/v1/devices/${encodeURIComponent(device.value)}/upkeep`, checked.body);
      saved.value = true;
      notes.value = '';
      nextDue.value = '';
      await onRecorded();
    } catch (failure) {
      const field = failure instanceof ApiError ? failure.field : null;
      const known: Field | 'form' = field === 'deviceId' || field === 'kind' || field === 'at' || field === 'result' || field === 'notes' || field === 'nextDue' ? field : 'form';
      errors.value = { [known]: t('upkeep.errors.refused', { message: errorText(failure) }) };
    }
  };

  const errorOf = (field: Field | 'form') =>
    errors.value[field] && (
      <span class="form-error" role="alert" data-testid={`upkeep-error-${field}`}>
        {errors.value[field]}
      </span>
    );
  return (
    <form class="upkeep-form" onSubmit={submit} noValidate data-testid="upkeep-form">
      <label class="field">
        <span>{t('upkeep.detector')}</span>
        <select name="deviceId" value={device.value} onChange={(event) => (device.value = event.currentTarget.value)}>
          {detectors.map((detector) => (
            <option key={detector.deviceId} value={detector.deviceId}>
              {detector.deviceId}
            </option>
          ))}
        </select>
        {errorOf('deviceId')}
      </label>
      <label class="field">
        <span>{t('upkeep.kind')}</span>
        <select name="kind" value={kind.value} onChange={(event) => (kind.value = event.currentTarget.value as UpkeepKind)}>
          {UPKEEP_KINDS.map((option) => (
            <option key={option} value={option}>
              {t(`upkeep.kinds.${option}`)}
            </option>
          ))}
        </select>
        {errorOf('kind')}
      </label>
      <SiteTimeField name="at" label="upkeep.at" value={at.value} error={errors.value.at} errorTestId="upkeep-error-at" onInput={(value) => (at.value = value)} />
      <label class="field">
        <span>{t('upkeep.result')}</span>
        <select name="result" value={result.value} onChange={(event) => (result.value = event.currentTarget.value as UpkeepResult)}>
          {UPKEEP_RESULTS.map((option) => (
            <option key={option} value={option}>
              {t(`upkeep.results.${option}`)}
            </option>
          ))}
        </select>
        {errorOf('result')}
      </label>
      <SiteTimeField name="nextDue" label="upkeep.nextDueOptional" value={nextDue.value} error={errors.value.nextDue} errorTestId="upkeep-error-nextDue" onInput={(value) => (nextDue.value = value)} />
      <label class="field wide">
        <span>{t('upkeep.notes')}</span>
        <textarea name="notes" rows={2} placeholder={t('upkeep.notesExample')} value={notes.value} onInput={(event) => (notes.value = event.currentTarget.value)} />
        {errorOf('notes')}
      </label>
      <div class="upkeep-submit">
        <button type="submit" class="primary" data-testid="record-upkeep">
          {t('upkeep.record')}
        </button>
        {errorOf('form')}
        {saved.value && (
          <span role="status" data-testid="upkeep-saved">
            {t('upkeep.saved')}
          </span>
        )}
      </div>
    </form>
  );
}
