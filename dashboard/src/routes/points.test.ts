/** The thresholds in force GET /api/v1/points gives: a point's own limits, else those its gas preset (its own or its area kind's) sets. */
import { type PublicConfig, parseAgentConfig } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { pointMetadata } from './points.ts';

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
});
