import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile } from './load.ts';
import { renderScenarioSignal, scenarioQuantities } from './signal.ts';

const scenarioDir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const tempDir = mkdtempSync(join(tmpdir(), 'hazmon-scenario-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

function writeTemp(name: string, text: string): string {
  const path = join(tempDir, name);
  writeFileSync(path, text);
  return path;
}

describe('scenario files', () => {
  const files = readdirSync(scenarioDir).filter((name) => name.endsWith('.yaml'));

  it('ships the documented scenarios', () => {
    expect(files.sort()).toEqual([
      'chattering.yaml',
      'comms-loss-garbled.yaml',
      'comms-loss-no-answer.yaml',
      'comms-loss-socket-closed.yaml',
      'gas-step.yaml',
      'leak-ramp.yaml',
      'overfill.yaml',
      'sensor-fault.yaml',
    ]);
  });

  for (const file of files) {
    it(`${file} loads and renders deterministically`, () => {
      const first = loadScenarioFile(join(scenarioDir, file));
      const second = loadScenarioFile(join(scenarioDir, file));
      for (const quantity of scenarioQuantities(first)) {
        const options = { stepMs: 500, durationMs: first.durationS * 1000 };
        expect(renderScenarioSignal(second, quantity, options)).toEqual(renderScenarioSignal(first, quantity, options));
      }
    });
  }

  it('leak-ramp reaches 60 %LEL within its noise by the end of the ramp', () => {
    const leak = loadScenarioFile(join(scenarioDir, 'leak-ramp.yaml'));
    const [end] = renderScenarioSignal(leak, 'concentration', { stepMs: 70_000, durationMs: 70_000 }).slice(-1);
    expect(Math.abs(end!.value - 60)).toBeLessThanOrEqual(0.3);
  });

  it('refuses a bad scenario naming the file and the field', () => {
    const path = writeTemp('bad.yaml', 'name: bad\ndurationS: 10\neffects:\n  - kind: ramp\n    quantity: c\n    durationS: 5\n    to: high\n');
    expect(() => loadScenarioFile(path)).toThrow(expect.objectContaining({ code: 'HAZMON_SCENARIO_INVALID', message: expect.stringContaining(`${path}: effects[0].to:`) }));
  });

  it('refuses an unknown effect kind and unknown keys', () => {
    const path = writeTemp('kind.yaml', 'name: k\ndurationS: 10\neffects:\n  - kind: explode\n');
    expect(() => loadScenarioFile(path)).toThrow(/kind\.yaml: effects\[0\]\.kind/);
    const typo = writeTemp('typo.yaml', 'name: k\ndurationS: 10\nefects: []\neffects:\n  - kind: step\n    quantity: c\n    value: 1\n');
    expect(() => loadScenarioFile(typo)).toThrow(/typo\.yaml: .*efects/);
  });

  it('refuses broken YAML and missing files naming the file', () => {
    const path = writeTemp('syntax.yaml', 'name: [unclosed\n');
    expect(() => loadScenarioFile(path)).toThrow(/syntax\.yaml: YAML syntax/);
    expect(() => loadScenarioFile(join(tempDir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read/);
  });
});
