/**
 * The demo's upkeep history: a fresh store has no bump test or calibration on record, so every detector with an
 * upkeep plan would open overdue (no record is no proof). At start the demo enters, as the `operator` demo login and
 * through the dashboard's public API (`POST /api/v1/devices/{id}/upkeep`), the last bump test and calibration of each
 * detector, done on days spread over its intervals, and leaves two deliberately overdue so the upkeep page has
 * something to show.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const RECORDER = { name: 'operator', password: 'demo-operator' } as const;

/** A detector's upkeep plan as the config gives it (devices[].upkeep). */
export interface UpkeepPlan {
  readonly deviceId: string;
  readonly bumpTestDays?: number;
  readonly calibrationDays?: number;
}

interface UpkeepRecord {
  readonly deviceId: string;
  readonly kind: 'bump_test' | 'calibration';
  readonly at: number;
  readonly result: 'pass' | 'adjusted';
  readonly notes: string;
}

/** Left overdue on purpose: a bump test 11 days late and a calibration a week late. */
const OVERDUE = [
  { deviceId: 'GD-T05', kind: 'bump_test', daysLate: 11 },
  { deviceId: 'HS-P2', kind: 'calibration', daysLate: 7 },
] as const;

/**
 * Each detector's last bump test and calibration: days ago spread over the interval (never past it), at a working
 * hour, so the due dates fall on different days of the coming weeks; the OVERDUE ones past their interval.
 */
export function demoUpkeepRecords(plans: readonly UpkeepPlan[], now: number): UpkeepRecord[] {
  const records: UpkeepRecord[] = [];
  plans.forEach((plan, index) => {
    const daysAgo = (kind: UpkeepRecord['kind'], intervalDays: number, spread: number): number => {
      const late = OVERDUE.find((overdue) => overdue.deviceId === plan.deviceId && overdue.kind === kind);
      return late ? intervalDays + late.daysLate : 1 + ((index * spread) % (intervalDays - 2));
    };
    const at = (days: number): number => now - days * DAY_MS - (2 + (index % 5)) * HOUR_MS;
    if (plan.bumpTestDays !== undefined) {
      records.push({ deviceId: plan.deviceId, kind: 'bump_test', at: at(daysAgo('bump_test', plan.bumpTestDays, 7)), result: 'pass', notes: '通标准气，报警一级、二级均动作' });
    }
    if (plan.calibrationDays !== undefined) {
      const adjusted = index % 4 === 1;
      records.push({
        deviceId: plan.deviceId,
        kind: 'calibration',
        at: at(daysAgo('calibration', plan.calibrationDays, 23)),
        result: adjusted ? 'adjusted' : 'pass',
        notes: adjusted ? '零点、量程漂移超差，已调整回允差内' : '零点、量程均在允差内',
      });
    }
  });
  return records;
}

/** Signs in as the demo's operator and enters the records; throws naming the device and the answer on any refusal. */
export async function recordDemoUpkeep(address: string, plans: readonly UpkeepPlan[], now = Date.now()): Promise<string> {
  const signIn = await fetch(`${address}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: address },
    body: JSON.stringify(RECORDER),
  });
  if (signIn.status !== 200) throw new Error(`demo upkeep: sign-in as ${RECORDER.name} answered ${signIn.status}: ${await signIn.text()}`);
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const cookie = signIn.headers.get('set-cookie')?.split(';')[0] ?? '';
  const records = demoUpkeepRecords(plans, now);
  for (const { deviceId, ...record } of records) {
    const answer = await fetch(`${address}/api/v1/devices/${encodeURIComponent(deviceId)}/upkeep`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: address, Cookie: cookie, 'X-CSRF-Token': csrfToken },
      body: JSON.stringify(record),
    });
    if (answer.status !== 200) throw new Error(`demo upkeep: ${record.kind} of ${deviceId} answered ${answer.status}: ${await answer.text()}`);
  }
  await fetch(`${address}/api/v1/session`, { method: 'DELETE', headers: { Origin: address, Cookie: cookie, 'X-CSRF-Token': csrfToken } });
  const overdue = OVERDUE.map((late) => `${late.deviceId} ${late.kind === 'bump_test' ? 'bump test' : 'calibration'}`).join(', ');
  return `${records.length} upkeep records of ${plans.length} detectors entered as ${RECORDER.name}; overdue on purpose: ${overdue}`;
}
