/** Config tests: the schema's defaults, and errors that name the field path and quote the bad value. */
import { describe, expect, it } from 'vitest';
import { parseEngineConfig } from './config.ts';
import { AlarmEngine } from './engine.ts';
import { EngineError } from './errors.ts';

function errorOf(action: () => unknown): EngineError {
  try {
    action();
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected an EngineError');
}

describe('parseEngineConfig', () => {
  it('fills defaults', () => {
    const config = parseEngineConfig({ points: [{ id: 'GT-1' }] });
    expect(config.points[0]).toMatchObject({ site: 'site', deadband: 0, lateToleranceS: 5, health: { staleS: 60, ne43: false, faultFlags: ['fault'] } });
    expect(config.votingGroups).toEqual([]);
  });

  it('points with equal parts share one frozen object for each; the rest stay their own', () => {
    const windows = [{ name: 'avg', aggregate: 'avg', windowS: 60, above: 10 }];
    const config = parseEngineConfig({
      points: [
        { id: 'A', limits: { hi: 10, hihi: 20 }, windows },
        { id: 'B', limits: { hi: 10, hihi: 20 }, windows: structuredClone(windows) },
        { id: 'C', limits: { hi: 10, hihi: 25 }, windows, health: { ne43: true } },
      ],
    });
    const [a, b, c] = config.points as [(typeof config.points)[0], (typeof config.points)[0], (typeof config.points)[0]];
    expect(b.limits).toBe(a.limits);
    expect(b.windows).toBe(a.windows);
    expect(b.health).toBe(a.health);
    expect(c.windows).toBe(a.windows);
    expect(c.limits).not.toBe(a.limits);
    expect(c.limits).toEqual({ hi: 10, hihi: 25 });
    expect(c.health).not.toBe(a.health);
    expect(c.health.ne43).toBe(true);
    expect(a.health.ne43).toBe(false);
    expect(Object.isFrozen(a.limits) && Object.isFrozen(a.windows[0])).toBe(true);
  });

  it('names the field path and quotes the bad value', () => {
    const error = errorOf(() => parseEngineConfig({ points: [{ id: 'GT-1' }, { id: 'GT-2', limits: { hi: 'high' } }] }, 'site.yaml'));
    expect(error.code).toBe('HAZMON_ENGINE_CONFIG_INVALID');
    expect(error.message).toContain('site.yaml: points[1].limits.hi');
    expect(error.message).toContain('"high"');
    expect(errorOf(() => parseEngineConfig({ points: [{ id: 'A', windows: [{ name: 'w', aggregate: 'avg', windowS: 30_000, above: 1 }] }] })).message).toContain('points[0].windows[0].windowS');
    expect(errorOf(() => parseEngineConfig({ points: [{ id: 'A', limts: {} }] })).message).toContain('limts');
  });

  it('the engine checks what the schema cannot: limit order, references, vote sizes, one direction per window', () => {
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A', limits: { hi: 10, hihi: 5 } }] }, () => {})).message).toContain('points[0].limits: hihi (5) must be above hi (10)');
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A' }, { id: 'A' }] }, () => {})).message).toContain('points[1].id: duplicate point id "A"');
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A', limits: { hi: 1 } }], votingGroups: [{ id: 'g', area: 'x', vote: '1oo2', points: ['A', 'B'] }] }, () => {})).message).toContain(
      'votingGroups[0].points[1]: unknown point "B"',
    );
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A', limits: { hi: 1 } }], votingGroups: [{ id: 'g', area: 'x', vote: '2oo3', points: ['A'] }] }, () => {})).message).toContain(
      'vote 2oo3 needs 3 points',
    );
    // Every member is looked up before any member's trip limit is.
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A' }], votingGroups: [{ id: 'g', area: 'x', vote: '1oo2', points: ['A', 'B'] }] }, () => {})).message).toContain(
      'votingGroups[0].points[1]: unknown point "B"',
    );
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A' }], actions: [{ id: 'v', kind: 'fan', output: 'o', when: ['A/hi'] }] }, () => {})).message).toContain(
      'actions[0].when[0]: unknown alarm "A/hi"',
    );
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A', windows: [{ name: 'w', aggregate: 'avg', windowS: 1 }] }] }, () => {})).message).toContain(
      'points[0].windows[0]: give exactly one of "above" or "below"',
    );
  });

  it('refuses a window named like another alarm of its point, and a group named like a health alarm', () => {
    for (const name of ['stale', 'hi', 'stuck', 'rate_rising', 'avg']) {
      const config = {
        points: [
          {
            id: 'A',
            windows: [
              { name: 'avg', aggregate: 'avg', windowS: 10, above: 1 },
              { name, aggregate: 'max', windowS: 10, above: 1 },
            ],
          },
        ],
      };
      for (const judge of [() => new AlarmEngine(config, () => {}), () => AlarmEngine.check(config)]) {
        expect(errorOf(judge).problems).toEqual([{ path: ['points', 0, 'windows', 1, 'name'], message: expect.stringContaining(`"${name}" names another alarm of the point`) }]);
      }
    }
    const clash = { points: [{ id: 'vote', limits: { hi: 5 } }], votingGroups: [{ id: 'stale', area: 'a', vote: '1oo1', points: ['vote'] }] };
    for (const judge of [() => new AlarmEngine(clash, () => {}), () => AlarmEngine.check(clash)]) {
      expect(errorOf(judge).problems).toEqual([{ path: ['votingGroups', 0, 'id'], message: 'duplicate group "stale"' }]);
    }
  });

  it('knows an alarm by its point and rule without a list of every id: point ids with "/", a point named "vote", windows, health', () => {
    const points = [
      { id: 'a/b', limits: { hi: 1 } },
      { id: 'a', limits: { hi: 1 }, windows: [{ name: 'b', aggregate: 'max', windowS: 10, above: 3 }] },
      { id: 'vote', limits: { hi: 1 }, health: { stuck: { epsilon: 0, forS: 60 } } },
    ];
    const votingGroups = [{ id: 'g', area: 'x', vote: '1oo2', points: ['a/b', 'a'] }];
    const config = { points, votingGroups, actions: [{ id: 'v', kind: 'fan', output: 'o', when: ['a/b/hi', 'a/b', 'a/b/stale', 'vote/hi', 'vote/stuck', 'vote/g'] }] };
    const engine = new AlarmEngine(config, () => {});
    expect(AlarmEngine.check(config).alarmCount).toBe(engine.alarms().length);
    for (const [when, unknown] of [
      [['a/b/b'], 'a/b/b'],
      [['a/hi', 'a/b/w'], 'a/b/w'],
      [['vote/stale', 'vote/h'], 'vote/h'],
      [['a/'], 'a/'],
      [['b'], 'b'],
    ] as const) {
      const refused = { points, votingGroups, actions: [{ id: 'v', kind: 'fan', output: 'o', when }] };
      for (const judge of [() => new AlarmEngine(refused, () => {}), () => AlarmEngine.check(refused)]) {
        expect(errorOf(judge).problems).toEqual([{ path: ['actions', 0, 'when', when.length - 1], message: `unknown alarm "${unknown}"` }]);
      }
    }
  });

  it('lists every problem with its field path, so callers place them without reading the message', () => {
    expect(
      errorOf(() =>
        parseEngineConfig({
          points: [
            { id: 'A', limits: { hi: 'high' } },
            { id: 'B', windows: [{ name: 'w' }] },
          ],
        }),
      ).problems.map((problem) => problem.path),
    ).toEqual([
      ['points', 0, 'limits', 'hi'],
      ['points', 1, 'windows', 0, 'aggregate'],
      ['points', 1, 'windows', 0, 'windowS'],
    ]);
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A', limits: { hi: 1 } }], votingGroups: [{ id: 'g', area: 'x', vote: '1oo2', points: ['A', 'B'] }] }, () => {})).problems).toEqual([
      { path: ['votingGroups', 0, 'points', 1], message: 'unknown point "B"' },
    ]);
    // The gas library's refusal is placed at the preset that asked for it.
    expect(errorOf(() => new AlarmEngine({ points: [{ id: 'A', unit: 'ppm', preset: { gas: 'O2', unit: 'ppm' } }] }, () => {})).problems).toEqual([
      { path: ['points', 0, 'preset'], message: 'oxygen preset needs unit %VOL, got "ppm"' },
    ]);
  });
});

describe('AlarmEngine.check', () => {
  const valid = {
    points: [
      { id: 'A', limits: { hi: 10, hihi: 20 } },
      { id: 'B', limits: { hi: 10 }, windows: [{ name: 'w', aggregate: 'max', windowS: 60, above: 5 }], health: { stuck: { epsilon: 0.1, forS: 60 } } },
      { id: 'C', limits: { hi: 10 }, preset: { gas: 'CO', unit: 'ppm' }, exposure: { stel: true } },
    ],
    votingGroups: [{ id: 'g', area: 'x', vote: '2oo3', points: ['A', 'B', 'C'], trip: 'hi' }],
    actions: [{ id: 'v', kind: 'shutoff_valve', output: 'o', when: ['vote/g', 'A/hihi'] }],
  };
  const invalid = [
    { points: [{ id: 'A', limits: { hi: 10, hihi: 5 } }] },
    { points: [{ id: 'A' }, { id: 'A' }] },
    { points: [{ id: 'A', limits: { hi: 1 } }], votingGroups: [{ id: 'g', area: 'x', vote: '1oo2', points: ['A', 'B'] }] },
    { points: [{ id: 'A', limits: { hi: 1 } }], votingGroups: [{ id: 'g', area: 'x', vote: '2oo3', points: ['A'] }] },
    { points: [{ id: 'A' }, { id: 'B' }], votingGroups: [{ id: 'g', area: 'x', vote: '1oo2', points: ['A', 'B'], trip: 'hi' }] },
    {
      points: [{ id: 'A', limits: { hi: 1 } }],
      votingGroups: [
        { id: 'g', area: 'x', vote: '1oo1', points: ['A'] },
        { id: 'g', area: 'x', vote: '1oo1', points: ['A'] },
      ],
    },
    { points: [{ id: 'A' }], actions: [{ id: 'v', kind: 'fan', output: 'o', when: ['A/hi'] }] },
    {
      points: [{ id: 'A', limits: { hi: 1 } }],
      actions: [
        { id: 'v', kind: 'fan', output: 'o', when: ['A/hi'] },
        { id: 'v', kind: 'fan', output: 'o', when: ['A/hi'] },
      ],
    },
    { points: [{ id: 'A', windows: [{ name: 'w', aggregate: 'avg', windowS: 1 }] }] },
  ];

  it('judges a rule set as the engine does: the same parsed config and alarm count, the same error for each problem', () => {
    const engine = new AlarmEngine(valid, () => {});
    expect(AlarmEngine.check(valid)).toEqual({ config: engine.config, alarmCount: engine.alarms().length });
    for (const config of invalid) {
      const expected = errorOf(() => new AlarmEngine(config, () => {}));
      expect(errorOf(() => AlarmEngine.check(config)).message).toBe(expected.message);
    }
  });
});
