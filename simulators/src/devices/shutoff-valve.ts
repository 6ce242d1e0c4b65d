/** Fail-safe shut-off valve: coil energized = open, de-energized = close; closed/open limit switches; travel on simulated time. */

import { z } from 'zod';
import { CommandedCoilDevice } from './commanded-coil.ts';

export const shutoffValveOptionsSchema = z.strictObject({
  /** Start energized and open (a running plant) or de-energized and closed. */
  open: z.boolean().default(true),
  /** Full stroke time in simulated ms. */
  travelTimeMs: z.number().positive().default(2000),
  /** With the slowTravel fault, a stroke takes this many times longer. */
  slowTravelFactor: z.number().min(1).default(4),
});
export type ShutoffValveOptions = z.output<typeof shutoffValveOptionsSchema>;

export const VALVE_COILS = { command: 0 } as const;
export const VALVE_DISCRETE_INPUTS = { closed: 0, open: 1 } as const;

const QUANTITIES = ['command', 'position', 'closedSwitch', 'openSwitch', 'travelTimeMs', 'stuckOpen', 'slowTravel', 'feedbackBroken', 'commandIgnored'] as const;
const [COMMAND, POSITION, CLOSED_SWITCH, OPEN_SWITCH, TRAVEL_TIME, STUCK_OPEN, SLOW_TRAVEL, FEEDBACK_BROKEN, COMMAND_IGNORED] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const READ_ONLY = new Set<string>(['position', 'closedSwitch', 'openSwitch']);

/**
 * Faults: stuckOpen (does not move), slowTravel (stroke slowFactor times longer), feedbackBroken (both limit
 * switches read false), commandIgnored (a command write is acknowledged but not applied; the coil reads back the old state).
 */
export class ShutoffValve extends CommandedCoilDevice {
  constructor(
    id: string,
    private readonly options: ShutoffValveOptions,
  ) {
    super(
      id,
      'shutoff-valve',
      QUANTITIES.map((name) => ({ name, initial: 0, readOnly: READ_ONLY.has(name) })),
      COMMAND,
      COMMAND_IGNORED,
    );
    this.values[COMMAND] = options.open ? 1 : 0;
    this.values[POSITION] = options.open ? 1 : 0;
    this.values[TRAVEL_TIME] = options.travelTimeMs;
    this.memory.coils.define(VALVE_COILS.command, 1, true);
    this.memory.discreteInputs.define(VALVE_DISCRETE_INPUTS.closed, 2, false);
    this.refresh();
  }

  protected override step(simMs: number): void {
    if (this.flag(STUCK_OPEN)) return;
    const target = this.values[COMMAND]!;
    const position = this.values[POSITION]!;
    if (position === target) return;
    const strokeMs = this.values[TRAVEL_TIME]! * (this.flag(SLOW_TRAVEL) ? this.options.slowTravelFactor : 1);
    const move = strokeMs > 0 ? simMs / strokeMs : 1;
    this.values[POSITION] = target > position ? Math.min(target, position + move) : Math.max(target, position - move);
  }

  protected refresh(): void {
    const position = this.values[POSITION]!;
    const broken = this.flag(FEEDBACK_BROKEN);
    this.values[CLOSED_SWITCH] = !broken && position <= 0 ? 1 : 0;
    this.values[OPEN_SWITCH] = !broken && position >= 1 ? 1 : 0;
    this.memory.coils.set(VALVE_COILS.command, this.values[COMMAND] === 1);
    this.memory.discreteInputs.set(VALVE_DISCRETE_INPUTS.closed, this.values[CLOSED_SWITCH] === 1);
    this.memory.discreteInputs.set(VALVE_DISCRETE_INPUTS.open, this.values[OPEN_SWITCH] === 1);
  }
}
