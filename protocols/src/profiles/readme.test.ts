import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModbusDevice } from './device.ts';
import { PROFILES_DIR, parseProfile } from './load.ts';

describe('the format sample in protocols/profiles/README.md', () => {
  it('parses and builds a device, so the documentation cannot drift from the loader', () => {
    const readme = readFileSync(join(PROFILES_DIR, 'README.md'), 'utf8');
    const sample = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample).toBeDefined();
    const profile = parseProfile(sample!, 'README.md');
    expect(profile.points.map((point) => point.spec.id)).toEqual(['status', 'concentration', 'detector1', 'detector2', 'detector3', 'detector4', 'loop1', 'reset']);
    const device = createModbusDevice(profile, { id: 'd', profile: 'example-detector', line: 'l', unitId: 1 });
    expect(device.polled).toHaveLength(7);
  });
});
