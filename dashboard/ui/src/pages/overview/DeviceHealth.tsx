/**
 * Each device's comms and health from GET /api/v1/devices, re-read every few seconds and whenever the alarm list
 * changes (a comms loss is a runtime alarm). A device in comms loss, with a fault, or with upkeep overdue is listed on
 * top in red with what is wrong; a failed read says so instead of showing an old table as if it were current.
 */
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api } from '../../api/client.ts';
import type { Device } from '../../api/types.ts';
import { t } from '../../i18n/index.ts';
import { alarms, stale } from '../../live/store.ts';
import { type QualityReason, qualityReasonText } from '../../shell/marks.tsx';
import { Time } from '../../shell/Time.tsx';
import { trendHref } from './point-state.ts';
import { errorText } from '../../api/error-text.ts';

const REFRESH_MS = 5000;

/** The last answer of GET /api/v1/devices while the overview is open; null before it. */
const devices = signal<readonly Device[] | null>(null);
const failure = signal<string | null>(null);

/** Why a point's latest reading is not good, as its device reports it (the stream's readings carry no reason). */
export function faultReasonOf(pointId: string): QualityReason | null {
  for (const device of devices.value ?? []) {
    const fault = device.faults.find((candidate) => candidate.pointId === pointId);
    if (fault) return { code: fault.reason, message: fault.message };
  }
  return null;
}

/** Which upkeep is overdue at `now`: the bump test, the calibration (past its due date), or unsaid (never recorded). */
function overdueText(upkeep: NonNullable<Device['upkeep']>, now: number): string {
  const bumpTest = upkeep.bumpTestDue !== null && upkeep.bumpTestDue <= now;
  const calibration = upkeep.calibrationDue !== null && upkeep.calibrationDue <= now;
  if (bumpTest && calibration) return t('overview.devices.bothOverdue');
  if (bumpTest) return t('overview.devices.bumpTestOverdue');
  if (calibration) return t('overview.devices.calibrationOverdue');
  return t('overview.devices.overdue');
}

/** What is wrong with a device, in words; empty when nothing is. */
export function problemsOf(device: Device, now = Date.now()): string[] {
  const problems: string[] = [];
  if (device.comms !== 'ok') problems.push(t(`overview.devices.comms.${device.comms}`));
  if (device.faults.length > 0) problems.push(t('overview.devices.faultCount', { count: device.faults.length }));
  if (device.upkeep?.overdue) problems.push(overdueText(device.upkeep, now));
  return problems;
}

function CommsMark({ comms }: { readonly comms: Device['comms'] }) {
  return <span class={`mark ${comms === 'ok' ? 'quality-good' : 'quality-bad'}`}>{t(`overview.devices.comms.${comms}`)}</span>;
}

function Upkeep({ upkeep }: { readonly upkeep: Device['upkeep'] }) {
  if (!upkeep) return <span class="muted">{t('overview.devices.notDetector')}</span>;
  return (
    <div>
      {upkeep.overdue && <span class="mark quality-bad">{t('overview.devices.overdue')}</span>}
      <div>
        {t('overview.devices.bumpTest')} {upkeep.bumpTestDue === null ? t('overview.devices.noRecord') : <Time ms={upkeep.bumpTestDue} />}
      </div>
      <div>
        {t('overview.devices.calibration')} {upkeep.calibrationDue === null ? t('overview.devices.noRecord') : <Time ms={upkeep.calibrationDue} />}
      </div>
    </div>
  );
}

function DeviceRow({ device }: { readonly device: Device }) {
  return (
    <tr data-testid={`device-${device.id}`} class={problemsOf(device).length > 0 ? 'device-problem' : undefined}>
      <th scope="row">{device.id}</th>
      <td data-testid="comms">
        <CommsMark comms={device.comms} />
        <div class="muted">
          {t('overview.devices.lastGood')} <Time ms={device.lastGoodReadingAt} />
        </div>
      </td>
      <td>{device.disconnections}</td>
      <td data-testid="faults">
        {device.faults.length === 0
          ? t('overview.devices.noFaults')
          : device.faults.map((fault) => (
              <div key={fault.pointId}>
                <a href={trendHref(fault.pointId)} class={`mark quality-${fault.quality}`}>
                  {fault.pointId}
                </a>{' '}
                <span title={fault.message ?? undefined}>{qualityReasonText({ code: fault.reason, message: fault.message }) ?? ''}</span>
              </div>
            ))}
      </td>
      <td>{device.sensorLifeHours === null ? '—' : t('overview.devices.hours', { hours: Math.round(device.sensorLifeHours) })}</td>
      <td>
        <Upkeep upkeep={device.upkeep} />
      </td>
    </tr>
  );
}

export function DeviceHealth() {
  const alarmList = alarms.value;
  useEffect(() => {
    let live = true;
    const load = () =>
      api.get<{ devices: Device[] }>('/api/v1/devices').then(
        (answer) => {
          if (!live) return;
          devices.value = answer.devices;
          failure.value = null;
        },
        (error: unknown) => {
          if (live) failure.value = errorText(error);
        },
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [alarmList]);
  const known = devices.value;
  const troubled = (known ?? []).filter((device) => problemsOf(device).length > 0);
  return (
    <section class="devices" data-testid="device-health" aria-labelledby="device-health-title">
      {failure.value && (
        <p class="form-error" role="alert" data-testid="devices-failed">
          {t('overview.devices.loadFailed', { message: failure.value })}
        </p>
      )}
      {troubled.length > 0 && (
        <div class="device-alert" role="alert" data-testid="device-alert">
          <strong>{t('overview.devices.attention', { count: troubled.length })}</strong>
          <ul>
            {troubled.map((device) => (
              <li key={device.id}>
                {device.id}: {problemsOf(device).join(t('overview.devices.separator'))}
              </li>
            ))}
          </ul>
        </div>
      )}
      <details open={troubled.length > 0 || undefined}>
        <summary>
          <h2 id="device-health-title">{t('overview.devices.title')}</h2>
          {/* Devices "all OK" from an answer the gateway can no longer confirm would be an all-clear from silence. */}
          {stale.value || failure.value !== null ? (
            <span class="mark quality-bad" data-testid="devices-unknown">
              {t('overview.devices.unknown')}
            </span>
          ) : (
            known && troubled.length === 0 && <span class="mark quality-good">{t('overview.devices.allOk', { count: known.length })}</span>
          )}
        </summary>
        {known && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('overview.devices.device')}</th>
                <th scope="col">{t('overview.devices.commsTitle')}</th>
                <th scope="col">{t('overview.devices.disconnections')}</th>
                <th scope="col">{t('overview.devices.faults')}</th>
                <th scope="col">{t('overview.devices.sensorLife')}</th>
                <th scope="col">{t('overview.devices.upkeep')}</th>
              </tr>
            </thead>
            <tbody>
              {known.map((device) => (
                <DeviceRow key={device.id} device={device} />
              ))}
            </tbody>
          </table>
        )}
      </details>
    </section>
  );
}
