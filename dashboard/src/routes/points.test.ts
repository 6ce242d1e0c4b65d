/** The thresholds in force GET /api/v1/points gives: a point's own limits, else those its gas preset (its own or its area kind's) sets; its live answer in chunks. */
import { type LatestSnapshot, type LatestValue, type PublicConfig, parseAgentConfig } from '@hazmon/agent';
import { describe, expect, it } from 'vitest';
import { pointMetadata, pointMetadataOf, pointsAnswerBody } from './points.ts';

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

/** A moment's values as LatestValues' snapshot hands them out. */
function snapshotOf(values: readonly LatestValue[]): LatestSnapshot {
  return {
    count: values.length,
    each(visit, from = 0, to = values.length) {
      for (const v of values.slice(from, to)) visit(v.pointId, v.value, v.quality, v.reason, v.sourceTime, v.receiveTime);
    },
  };
}

async function chunksOf(body: ReadableStream<Uint8Array>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return chunks;
}

describe('pointsAnswerBody', () => {
  it('writes the live fields in chunks that join to what JSON.stringify writes of the whole list', async () => {
    const values: LatestValue[] = Array.from({ length: 2_345 }, (_, i) => ({
      pointId: `GD-${i}.concentration "${'é'.repeat(i % 3)}"`,
      value: i % 7 === 0 ? null : i % 11 === 0 ? i % 2 === 0 : i / 8 - 100,
      quality: i % 5 === 0 ? null : i % 13 === 0 ? 'bad' : 'good',
      reason: i % 13 === 0 ? { code: 'timeout', message: `unit ${i}: no answer` } : null,
      sourceTime: i % 3 === 0 ? null : 1_765_000_000_000 + i,
      receiveTime: i % 5 === 0 ? null : 1_765_000_000_100 + i,
    }));
    const outOfService = new Map([[values[1_000]!.pointId, [{ alarmId: `${values[1_000]!.pointId}/hi`, by: 'sup', at: 5, reason: 'sensor swap' }]]]);
    const chunks = await chunksOf(pointsAnswerBody(snapshotOf(values), outOfService, null));
    expect(chunks.length).toBe(3);
    const whole = {
      points: values.map(({ pointId, ...live }) => ({ id: pointId, outOfService: outOfService.get(pointId) ?? [], ...live })),
    };
    expect(Buffer.concat(chunks).toString('utf8')).toBe(JSON.stringify(whole));
    expect(Buffer.concat(await chunksOf(pointsAnswerBody(snapshotOf([]), new Map(), null))).toString('utf8')).toBe('{"points":[]}');
  });
});
