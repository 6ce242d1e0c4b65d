/** Config texts generated at a chosen size, for the tests and benchmarks of the loader's limits and costs. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** agent/examples/site.yaml, the sample every generated text but the large site starts from. */
export const SAMPLE_CONFIG = fileURLToPath(new URL('../../examples/site.yaml', import.meta.url));

/**
 * The sample with `count` unknown fields added at the top of one of its block-style sections (`site`, the first in the
 * file, by default; `health` is near the end): a file with `count` problems, one per line.
 */
export function sampleWithUnknownFields(count: number, section: 'site' | 'health' = 'site'): string {
  const unknown = Array.from({ length: count }, (_, index) => `  unknownField${index}: ${index}\n`).join('');
  return readFileSync(SAMPLE_CONFIG, 'utf8').replace(new RegExp(`^${section}:\n`, 'm'), `${section}:\n${unknown}`);
}

/** Devices per Modbus TCP line: under the 247 unit ids one line can address. */
const DEVICES_PER_LINE = 200;

/**
 * A valid site of `pointCount` gas detectors, one Modbus TCP device each, every point written out in full as the sample
 * writes its most complete one (block style, every metadata field, rules with a rate of rise, a comment): an upper
 * bound for what a real site of that size needs.
 */
export function largeSite(pointCount: number): string {
  const lineCount = Math.ceil(pointCount / DEVICES_PER_LINE);
  const lines = Array.from(
    { length: lineCount },
    (_, line) => `  - { id: line-${line}, kind: tcp, host: 10.0.${Math.floor(line / 250)}.${(line % 250) + 1}, port: 502, timing: { timeoutMs: 1000, retries: 1 } }\n`,
  );
  const devices: string[] = [];
  const points: string[] = [];
  for (let index = 0; index < pointCount; index++) {
    const tag = `GD-${String(index).padStart(5, '0')}`;
    devices.push(`  - { id: ${tag}, profile: honeywell-xnx, line: line-${Math.floor(index / DEVICES_PER_LINE)}, unitId: ${(index % DEVICES_PER_LINE) + 1} }\n`);
    points.push(
      `  - id: ${tag}.concentration\n` +
        `    area: area-${index % 20}\n` +
        `    gas: CH4\n` +
        `    description: Methane detector ${tag}, compressor bay ${Math.floor(index / 100)}\n` +
        `    indicatorCode: IND-${tag}\n` +
        `    equipmentCode: EQ-${tag}\n` +
        `    tagNumber: GT-${String(index).padStart(5, '0')}\n` +
        `    longitude: ${(121.4 + index / 1e5).toFixed(5)}\n` +
        `    latitude: ${(31.2 + index / 1e5).toFixed(5)}\n` +
        `    casNumber: 74-82-8\n` +
        `    rules:\n` +
        `      preset: { standard: gbt50493 }  # 25 %LEL hi, 50 %LEL hihi (GB/T 50493-2019)\n` +
        `      deadband: 1\n` +
        `      onDelayS: 2\n` +
        `      rate: { windowS: 60, risingPerMinute: 10 }\n`,
    );
  }
  const areas = Array.from({ length: 20 }, (_, area) => `    - { id: area-${area}, name: Area ${area}, hazardSourceCode: HS-${area} }\n`);
  return [
    `site:\n  id: large\n  name: Generated site of ${pointCount} points\n  gatewayCode: GW-LARGE-0001\n  areas:\n${areas.join('')}`,
    `lines:\n${lines.join('')}`,
    `devices:\n${devices.join('')}`,
    `points:\n${points.join('')}`,
    'users:\n  - { name: admin, role: admin, passwordHash: "$scrypt$ln=15,r=8,p=1$PdXUWB8qZK9kNJqYZkxm2Q$/WU9quEgCVUELL4DWlh1L6wy4zzqTQ1DArmBS4y1WsA" }\n',
    'store:\n  path: ./hazmon.duckdb\n',
  ].join('\n');
}
