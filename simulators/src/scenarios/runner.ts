/** Drives a device from a scenario on a SimClock, using the same pure maths as renderScenarioSignal. */

import type { SimClock } from '../clock.ts';
import type { SimulatedDevice } from '../devices/device.ts';
import type { CommsFault } from '../modbus/unit-host.ts';
import type { Scenario } from './schema.ts';
import { scenarioCommsFaultAt, scenarioQuantities, scenarioValueAt } from './signal.ts';

export interface AttachScenarioOptions {
  /** Called when the scenario's comms fault changes (to 'none' when a window ends). */
  onCommsFault?: (fault: CommsFault) => void;
}

/**
 * Applies the scenario now (its time 0 is the clock's current time) and on every clock advance; returns a function
 * that detaches it. Values set here are then moved by the device's own physics in the same advance.
 */
export function attachScenario(clock: SimClock, device: SimulatedDevice, scenario: Scenario, options: AttachScenarioOptions = {}): () => void {
  const startMs = clock.now();
  const quantities = scenarioQuantities(scenario);
  let fault: CommsFault = 'none';
  const apply = (nowMs: number): void => {
    const t = nowMs - startMs;
    for (const quantity of quantities) device.set(quantity, scenarioValueAt(scenario, quantity, t));
    const nextFault = scenarioCommsFaultAt(scenario, t);
    if (nextFault !== fault) {
      fault = nextFault;
      options.onCommsFault?.(fault);
    }
  };
  apply(startMs);
  return clock.onAdvance((nowMs) => apply(nowMs));
}
