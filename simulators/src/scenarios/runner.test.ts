import { describe, expect, it } from 'vitest';
import { SimClock } from '../clock.ts';
import { HoneywellXnx, xnxOptionsSchema } from '../devices/honeywell-xnx.ts';
import type { CommsFault } from '../modbus/unit-host.ts';
import { parseScenario } from './load.ts';
import { attachScenario } from './runner.ts';
import { renderScenarioSignal } from './signal.ts';

describe('attachScenario', () => {
  it('drives the device with exactly the rendered samples and reports comms faults as they change', () => {
    const scenario = parseScenario(
      {
        name: 'leak',
        seed: 9,
        durationS: 30,
        effects: [
          { kind: 'ramp', quantity: 'concentration', startS: 2, durationS: 10, to: 50 },
          { kind: 'noise', quantity: 'concentration', amplitude: 1 },
          { kind: 'commsLoss', mode: 'busy', startS: 5, durationS: 5 },
        ],
      },
      'inline',
    );
    const clock = new SimClock({ speed: 0 });
    clock.step(7000); // the scenario starts whenever it is attached
    const device = new HoneywellXnx('xnx', xnxOptionsSchema.parse({}));
    const faults: CommsFault[] = [];
    const detach = attachScenario(clock, device, scenario, { onCommsFault: (fault) => faults.push(fault) });
    const seen: number[] = [device.get('concentration')];
    for (let i = 0; i < 15; i++) {
      clock.step(1000);
      seen.push(device.get('concentration'));
    }
    expect(seen).toEqual(renderScenarioSignal(scenario, 'concentration', { stepMs: 1000, durationMs: 15_000 }).map((sample) => sample.value));
    expect(faults).toEqual(['busy', 'none']);
    detach();
    clock.step(1000);
    expect(device.get('concentration')).toBe(seen[15]);
  });
});
