/**
 * Motor starter or contactor with an auxiliary contact (our model): a fan's starter, or a machine room's main power
 * contactor. Coil energized = running / powered; the auxiliary contact confirms it after the pick-up time.
 */

import { z } from 'zod';
import { CommandedCoilDevice } from './commanded-coil.ts';

export const motorStarterOptionsSchema = z.strictObject({
  /** Start energized (a running supply fan, a powered machine room) or de-energized (an emergency fan at rest). */
  running: z.boolean().default(false),
  /** Simulated ms from a command to the auxiliary contact following it. */
  pickUpTimeMs: z.number().nonnegative().default(1000),
});
export type MotorStarterOptions = z.output<typeof motorStarterOptionsSchema>;

export const STARTER_COILS = { command: 0 } as const;
export const STARTER_DISCRETE_INPUTS = { running: 0, overload: 1 } as const;

const QUANTITIES = ['command', 'running', 'pickUpTimeMs', 'overload', 'commandIgnored'] as const;
const [COMMAND, RUNNING, PICK_UP_TIME, OVERLOAD, COMMAND_IGNORED] = [0, 1, 2, 3, 4];

/**
 * Faults: overload (the overload relay trips: the motor stops whatever the command, discrete input 1 true),
 * commandIgnored (a command write is acknowledged but not applied; the coil reads back the old command).
 */
export class MotorStarter extends CommandedCoilDevice {
  /** Simulated ms the command has differed from the auxiliary contact. */
  private pendingMs = 0;

  constructor(id: string, options: MotorStarterOptions) {
    super(
      id,
      'motor-starter',
      QUANTITIES.map((name) => ({ name, initial: 0, readOnly: name === 'running' })),
      COMMAND,
      COMMAND_IGNORED,
    );
    this.values[COMMAND] = options.running ? 1 : 0;
    this.values[RUNNING] = options.running ? 1 : 0;
    this.values[PICK_UP_TIME] = options.pickUpTimeMs;
    this.memory.coils.define(STARTER_COILS.command, 1, true);
    this.memory.discreteInputs.define(STARTER_DISCRETE_INPUTS.running, 2, false);
    this.refresh();
  }

  protected override step(simMs: number): void {
    const wanted = this.flag(OVERLOAD) ? 0 : this.values[COMMAND]!;
    if (wanted === this.values[RUNNING]) {
      this.pendingMs = 0;
      return;
    }
    this.pendingMs += simMs;
    if (wanted === 0 || this.pendingMs >= this.values[PICK_UP_TIME]!) {
      // A contactor drops out at once when de-energized (or tripped); picking up takes its time.
      this.values[RUNNING] = wanted;
      this.pendingMs = 0;
    }
  }

  protected refresh(): void {
    this.memory.coils.set(STARTER_COILS.command, this.values[COMMAND] === 1);
    this.memory.discreteInputs.set(STARTER_DISCRETE_INPUTS.running, this.values[RUNNING] === 1);
    this.memory.discreteInputs.set(STARTER_DISCRETE_INPUTS.overload, this.flag(OVERLOAD));
  }
}
