/** AgentApi through a running agent on a simulated plant: no secrets out, latest values, alarms of interest, across a reload. */
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentApi, LatestValue } from '@hazmon/agent';
import { parseAgentConfig } from '@hazmon/agent';
import { PASSWORDS, startPlant, waitFor, type Plant } from './fixture.ts';

let plant: Plant | null = null;

afterEach(async () => {
  await plant?.close();
  plant = null;
});

describe('AgentApi', () => {
  it('gives the config without password hashes, latest values, shelved alarms and authentication, and stays valid across a reload', async () => {
    plant = await startPlant({ speed: 4 });
    const api: AgentApi = await plant.startAgent();
    expect(JSON.stringify(api.config)).not.toMatch(/scrypt|passwordHash/);
    expect(api.config.users).toEqual([
      { name: 'sup', role: 'supervisor' },
      { name: 'view', role: 'viewer' },
    ]);

    plant.site.device('GD-1').set('concentration', 12.5);
    const latest = await waitFor('GD-1 read at 12.5', () => api.latestValues(['GD-1.concentration']).find((value) => value.value === 12.5));
    expect(latest).toMatchObject({ pointId: 'GD-1.concentration', quality: 'good', reason: null });
    expect(latest.receiveTime).toBeGreaterThan(0);
    expect(api.latestValues(['nope'])).toEqual([]);
    expect(api.latestValues().map((value) => value.pointId)).toContain('XV-1.closed');
    // What changed after a version: every point from 0; after the latest version, only what is read later.
    const changes = (version: number) => {
      const values: Pick<LatestValue, 'pointId' | 'value' | 'quality' | 'receiveTime'>[] = [];
      const next = api.latestChanges(version, (pointId, value, quality, receiveTime) => values.push({ pointId, value, quality, receiveTime }));
      return { version: next, values };
    };
    const withReading = () =>
      api
        .latestValues()
        .filter((value) => value.receiveTime !== null)
        .map((value) => value.pointId)
        .sort();
    const before = withReading();
    const all = changes(0);
    // Every point with a reading (those read meanwhile too), none without.
    expect(all.values.map((value) => value.pointId)).toEqual(expect.arrayContaining(before));
    expect(withReading()).toEqual(expect.arrayContaining(all.values.map((value) => value.pointId)));
    expect(all.values.find((value) => value.pointId === 'GD-1.concentration')).toMatchObject({ value: 12.5, quality: 'good' });
    plant.site.device('GD-1').set('concentration', 13.5);
    const changed = await waitFor('GD-1 read at 13.5 after the version', () => changes(all.version).values.find((value) => value.pointId === 'GD-1.concentration' && value.value === 13.5));
    expect(changed).toMatchObject({ quality: 'good' });
    expect(changes(changes(0).version).values).toEqual([]);
    // Every point's latest value field by field, as latestValues() has them, in its order (nulls before a first reading).
    const visited: LatestValue[] = [];
    api.eachLatestValue((pointId, value, quality, reason, sourceTime, receiveTime) => visited.push({ pointId, value, quality, reason, sourceTime, receiveTime }));
    const listed = api.latestValues();
    expect(visited.map((value) => value.pointId)).toEqual(listed.map((value) => value.pointId));
    for (const [i, value] of visited.entries()) if (value.receiveTime === listed[i]!.receiveTime) expect(value).toEqual(listed[i]);
    expect(visited.find((value) => value.pointId === 'GD-1.concentration')).toMatchObject({ value: 13.5, quality: 'good', reason: null });
    plant.site.device('GD-1').set('concentration', 12.5);
    await waitFor('GD-1 back at 12.5', () => api.latestValues(['GD-1.concentration'])[0]?.value === 12.5);

    expect(await api.authenticate('sup', PASSWORDS.supervisor)).toEqual({ name: 'sup', role: 'supervisor' });
    expect(await api.authenticate('sup', 'guess')).toBeNull();

    const until = Date.now() + 60_000;
    const refused = await api.commandAlarm({ kind: 'shelve', target: 'GD-1.concentration/hihi', reason: 'calibration', until }, { user: 'view', password: PASSWORDS.viewer });
    expect(refused).toEqual({ ok: false, reason: 'user "view" has role viewer; shelve needs operator or supervisor or admin', code: 'not_permitted', params: { user: 'view' } });
    const outOfService = await api.commandAlarm({ kind: 'remove_from_service', target: 'GD-1.concentration/hi', reason: 'sensor swap' }, { user: 'view', password: PASSWORDS.viewer });
    expect(outOfService).toMatchObject({ ok: false, reason: expect.stringMatching(/remove_from_service needs supervisor or admin/) });
    const audited = await api.reader.auditRows({});
    expect(audited.filter((row) => row.action === 'alarm_command').map((row) => [row.who, row.details?.['command'], row.details?.['result']])).toEqual([
      ['view', 'shelve', 'refused'],
      ['view', 'remove_from_service', 'refused'],
    ]);
    expect(await api.commandAlarm({ kind: 'shelve', target: 'GD-1.concentration/hihi', reason: 'calibration', until }, { user: 'sup', password: PASSWORDS.supervisor })).toEqual({ ok: true });
    expect(api.alarms().engine).toEqual([expect.objectContaining({ id: 'GD-1.concentration/hihi', state: 'normal', mode: 'shelved', shelvedUntil: until })]);

    // A reload replaces the engine: what the caller holds still answers from the one now running.
    await (plant.agent as NonNullable<Plant['agent']>).reload(parseAgentConfig(plant.yaml.replace('travelTimeS: 3', 'travelTimeS: 4'), plant.config.file), 'test');
    expect(api.alarm('GD-1.concentration/hihi')).toMatchObject({ mode: 'shelved', shelvedUntil: until });
    expect(api.latestValues(['GD-1.concentration'])[0]).toMatchObject({ value: 12.5 });
    expect(api.health()).toMatchObject({ alive: true });
  }, 60_000);
});
