/** The scenario file format: seeded, deterministic effects on device quantities over simulated time. */

import { z } from 'zod';
import { COMMS_FAULTS } from '../modbus/unit-host.ts';

const window = {
  /** When the effect starts, in seconds of simulated time after the scenario starts. */
  startS: z.number().nonnegative().default(0),
  /** How long it lasts; absent means until the end. Ramps and overfills hold their final value afterwards. */
  durationS: z.number().positive().optional(),
};
const quantity = z.string().min(1);

const effectSchema = z.discriminatedUnion('kind', [
  /** Jump to `value`. */
  z.strictObject({ kind: z.literal('step'), quantity, value: z.number(), ...window }),
  /** Straight line from `from` (default: the value just before the ramp) to `to` over durationS, then hold. */
  z.strictObject({ kind: z.literal('ramp'), quantity, to: z.number(), from: z.number().optional(), ...window, durationS: z.number().positive() }),
  /** Adds seeded uniform noise in [-amplitude, +amplitude], a new draw every periodS. */
  z.strictObject({ kind: z.literal('noise'), quantity, amplitude: z.number().nonnegative(), periodS: z.number().positive().default(1), ...window }),
  /** Sets the fault flag (default quantity `sensorFault`) to 1 for the window. */
  z.strictObject({ kind: z.literal('sensorFault'), quantity: quantity.default('sensorFault'), ...window }),
  /** Alternates setpoint + amplitude and setpoint - amplitude every half period. */
  z.strictObject({
    kind: z.literal('chatter'),
    quantity,
    setpoint: z.number(),
    amplitude: z.number().positive(),
    periodS: z.number().positive(),
    ...window,
  }),
  /** Rises at ratePerS from the value before it (default quantity `level`), up to `max`; holds after the window. */
  z.strictObject({ kind: z.literal('overfill'), quantity: quantity.default('level'), ratePerS: z.number(), max: z.number().optional(), ...window }),
  /** The device's comms fail this way for the window (Modbus devices only). */
  z.strictObject({
    kind: z.literal('commsLoss'),
    mode: z.enum(COMMS_FAULTS.filter((fault) => fault !== 'none') as ['noAnswer', 'closeSocket', 'garbled', 'busy', 'truncated', 'wrongProtocolId']),
    ...window,
  }),
]);

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Seeds the noise; the same seed gives the same samples. */
  seed: z.number().int().default(1),
  /** Length of the scenario in seconds: how long a replay should sample. Effects keep their rule after it (ramps hold, open-ended noise goes on). */
  durationS: z.number().positive(),
  /** Start over every durationS (a demo's story that plays in rounds); effects then see the time since the round began. */
  loop: z.boolean().default(false),
  /** Values of driven quantities before any effect (default 0). */
  initial: z.record(z.string(), z.number()).default({}),
  effects: z.array(effectSchema).min(1),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioEffect = Scenario['effects'][number];
