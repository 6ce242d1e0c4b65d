/** What a reload may change and how changes are sorted, on configs loaded from text like the agent's own. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../config/index.ts';
import { changesBetween, configHash, fingerprintOf, fingerprints, fixedFieldChanges, reloadSummary, runningConfig, type ReloadReport } from './reload.ts';

const BASE = readFileSync(fileURLToPath(new URL('../config/testcases/valid-minimal/config.yaml', import.meta.url)), 'utf8');
const FILE = '/etc/hazmon/site.yaml';
const load = (text: string) => parseAgentConfig(text, FILE);

describe('changesBetween', () => {
  it('sorts ids into kept, restarted (other fingerprint), added and removed, in the order of the new set', () => {
    const before = new Map([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
    const after = new Map([
      ['d', '4'],
      ['b', '2'],
      ['a', '9'],
    ]);
    expect(changesBetween(before, after)).toEqual({ kept: ['b'], restarted: ['a'], added: ['d'], removed: ['c'] });
  });

  it('fingerprints a whole definition: any field that differs restarts it', () => {
    const lines = load(BASE).lines;
    const moved = load(BASE.replace('port: 5020', 'port: 5021')).lines;
    expect(changesBetween(fingerprints(lines), fingerprints(moved))).toEqual({ kept: [], restarted: ['tcp'], added: [], removed: [] });
  });

  it('is a digest of fixed size, however large the definition (the agent keeps one per line until the next reload)', () => {
    const small = fingerprintOf({ id: 'a' });
    const large = fingerprintOf({ id: 'a', points: Array.from({ length: 10_000 }, (_, i) => ({ id: `p${i}`, address: i })) });
    expect(large).toHaveLength(small.length);
    expect(large).not.toBe(small);
    expect(fingerprintOf({ id: 'a' })).toBe(small);
  });
});

describe('configHash', () => {
  it('is the same for a file that differs only in comments and layout, and differs when a rule changes', () => {
    const base = load(BASE);
    const reformatted = load(`# edited by hand\n${BASE.replace('{ id: GD-1, profile: honeywell-xnx, line: tcp, unitId: 1 }', '{id: GD-1,   profile: honeywell-xnx, line: tcp, unitId: 1}')}`);
    expect(configHash(reformatted)).toBe(configHash(base));
    expect(configHash(base)).toMatch(/^[0-9a-f]{64}$/);
    const changed = load(BASE.replace('vote: 1oo2', 'vote: 2oo2'));
    expect(configHash(changed)).not.toBe(configHash(base));
  });

  it('hashes the text JSON.stringify gives for the resolved config, fed piece by piece', () => {
    const { file: _file, ...resolved } = load(BASE);
    const whole = createHash('sha256').update(JSON.stringify(resolved), 'utf8').digest('hex');
    expect(configHash(load(BASE))).toBe(whole);
    // Fields left undefined and array holes come out as JSON.stringify writes them (omitted, null).
    const sparse = { ...load(BASE), site: { ...load(BASE).site, gatewayCode: undefined }, users: [undefined] } as unknown as ReturnType<typeof load>;
    const { file: _sparseFile, ...sparseResolved } = sparse;
    expect(configHash(sparse)).toBe(createHash('sha256').update(JSON.stringify(sparseResolved), 'utf8').digest('hex'));
  });
});

describe('runningConfig', () => {
  it('keeps the hash and the reading point ids instead of the store point definitions', () => {
    const config = load(BASE);
    const running = runningConfig(config);
    expect('storePoints' in running).toBe(false);
    expect(running.readingPoints).toEqual(config.storePoints.map((point) => point.pointId));
    expect(running.readingPoints.length).toBeGreaterThan(0);
    expect(configHash(running)).toBe(configHash(config));
    expect(fixedFieldChanges(running, config)).toEqual([]);
    expect(running.engine).toBe(config.engine);
  });
});

describe('fixedFieldChanges', () => {
  it('names each field the running agent cannot take over by its path in the file', () => {
    const base = load(BASE);
    const changed = load(`${BASE}
store: { path: other.duckdb, memoryLimitMb: 64, readTimeoutS: 60 }
retention: { rawDays: 45, minuteRollupDays: 400 }
api: { port: 8081 }
metrics: { port: 9464 }
health: { eventLoopLagMs: 800 }
`);
    expect(fixedFieldChanges(base, changed)).toEqual([
      'store.path',
      'store.memoryLimitMb',
      'store.readTimeoutS',
      'retention.rawDays',
      'retention.minuteRollupDays',
      'api.port',
      'metrics',
      'health.eventLoopLagMs',
    ]);
  });

  it('lets rules, devices, outputs and users change', () => {
    const base = load(BASE);
    const changed = load(
      BASE.replace('vote: 1oo2', 'vote: 2oo2')
        .replace('unitId: 2 }', 'unitId: 7 }')
        .replace(/feedback: \{[^}]*\} \}/, 'feedback: { closed: XV-1.closed, open: XV-1.open }, travelTimeS: 9 }'),
    );
    expect(configHash(changed)).not.toBe(configHash(base));
    expect(fixedFieldChanges(base, changed)).toEqual([]);
  });
});

describe('reloadSummary', () => {
  it('counts each change set and names the state not carried over', () => {
    const none = { kept: [], restarted: [], added: [], removed: [] };
    const report: ReloadReport = {
      file: FILE,
      trigger: 'SIGHUP',
      hashBefore: 'a',
      hashAfter: 'b',
      points: { kept: ['GD-1.concentration'], restarted: ['GD-2.concentration'], added: [], removed: ['GD-3.concentration'] },
      lines: none,
      devices: { ...none, kept: ['GD-1', 'GD-2'] },
      opcua: none,
      outputs: { ...none, kept: ['XV-1'] },
      skipped: [{ id: 'GD-2.concentration', reason: 'rules changed', activeAlarms: [] }],
      limitsMoved: ['GD-1.concentration'],
      limitChanges: [{ pointId: 'GD-1.concentration', limit: 'hi', old: 20, new: 25, cause: 'config_file' }],
      latched: ['shut'],
      recommanded: [],
    };
    expect(reloadSummary(report)).toBe(
      'points 1 kept, 1 restarted, 0 added, 1 removed; devices 2 kept, 0 restarted, 0 added, 0 removed; OPC UA 0 kept, 0 restarted, 0 added, 0 removed; ' +
        'outputs 1 kept, 0 restarted, 0 added, 0 removed; state not carried over: GD-2.concentration (rules changed); limits moved: GD-1.concentration hi 20 -> 25; latched: shut',
    );
  });
});
