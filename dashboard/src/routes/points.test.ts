/** The thresholds in force GET /api/v1/points gives: a point's own limits, else those its gas preset (its own or its area kind's) sets. */
import { type PublicConfig, parseAgentConfig } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { pointMetadata, pointMetadataOf } from './points.ts';

const YAML = `
site:
  id: s
  name: S
  areas: [{ id: kitchen-1, kind: kitchen }]
lines: [{ id: l, kind: tcp, host: 127.0.0.1, port: 5020 }]
devices:
  - { id: GD-1, profile: honeywell-midas, line: l, unitId: 1, points: { concentration: { unit: "%LEL" } } }
  - { id: GD-2, profile: honeywell-midas, line: l, unitId: 2, points: { concentration: { unit: "%LEL" } } }
points:
  - { id: GD-1.concentration, area: kitchen-1, gas: CH4 }
  - { id: GD-2.concentration, area: kitchen-1, gas: CH4, rules: { limits: { hi: 20, lo: 1 } } }
`;

describe('pointMetadata', () => {
  it("gives the limits in force: the point's own over its gas preset's, the preset's where it gives none", () => {
    const config = parseAgentConfig(YAML, '/nowhere/site.yaml');
    // The public config adds the reading point ids to what the loader gives; the rest is as loaded.
    const metadata = pointMetadata({ ...config, readingPoints: config.storePoints.map((point) => point.pointId) } as unknown as PublicConfig);
    expect(metadata.get('GD-1.concentration')?.thresholds).toEqual({ lolo: null, lo: null, hi: 25, hihi: 50 });
    expect(metadata.get('GD-2.concentration')?.thresholds).toEqual({ lolo: null, lo: 1, hi: 20, hihi: 50 });
    expect(metadata.get('GD-1.temperature')?.thresholds).toEqual({ lolo: null, lo: null, hi: null, hihi: null });
  });

  it("gives a few points' metadata as the whole plant's map has it, before and after that map was built, and no entry for what is no reading point", () => {
    const config = parseAgentConfig(YAML, '/nowhere/site.yaml');
    const publicConfig = { ...config, readingPoints: config.storePoints.map((point) => point.pointId) } as unknown as PublicConfig;
    const asked = ['GD-2.concentration', 'GD-1.temperature', 'GD-9.nothing'];
    const before = pointMetadataOf(publicConfig, asked);
    const again = pointMetadataOf(publicConfig, ['GD-1.concentration', ...asked]);
    const all = pointMetadata(publicConfig);
    expect(all.size).toBeGreaterThan(3);
    for (const metadata of [before, again, pointMetadataOf(publicConfig, asked)]) {
      expect(metadata.has('GD-9.nothing')).toBe(false);
      for (const id of asked.slice(0, 2)) expect(metadata.get(id), id).toEqual(all.get(id));
    }
    expect(again.get('GD-1.concentration')).toEqual(all.get('GD-1.concentration'));
    expect(before.get('GD-2.concentration')).toMatchObject({ device: 'GD-2', area: 'kitchen-1', unit: '%LEL', gas: 'CH4', thresholds: { lo: 1, hi: 20 } });
  });
});
