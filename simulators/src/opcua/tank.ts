/** One simulated tank: level, pressure, temperature, inlet valve and outlet pump, with inflow/outflow physics on simulated time. */

import type { SimulatedDevice } from '../devices/device.ts';
import { SimulatorError } from '../errors.ts';

export interface TankSpec {
  id: string;
  heightMm: number;
  levelMm: number;
  pressureKPa: number;
  temperatureC: number;
  /** Level rise while the inlet valve is open. Default 5 mm/s. */
  inletFlowMmPerS?: number;
  /** Level fall while the outlet pump runs. Default 5 mm/s. */
  outletFlowMmPerS?: number;
  /** Stroke time of the inlet valve (simulated ms); its limit switches follow the position. Default 0: it moves at once. */
  inletTravelTimeMs?: number;
  /** The inlet valve starts open (a tank being filled). Default false. */
  inletOpen?: boolean;
}

/**
 * Quantity names a scenario or test can drive; `sensorFault` 1 turns the Level variable BadSensorFailure; `inletOpen`
 * is the inlet valve's command, `inletPosition` (0 closed .. 1 open) where it is, `inletStuck` 1 holds it there.
 */
export const TANK_QUANTITIES = ['level', 'pressure', 'temperature', 'inletOpen', 'inletPosition', 'inletStuck', 'outletRunning', 'sensorFault'] as const;
export type TankQuantity = (typeof TANK_QUANTITIES)[number];

const DEFAULT_FLOW_MM_PER_S = 5;

function isTankQuantity(name: string): name is TankQuantity {
  return (TANK_QUANTITIES as readonly string[]).includes(name);
}

export class TankDevice implements SimulatedDevice {
  readonly id: string;
  readonly heightMm: number;
  readonly inletFlowMmPerS: number;
  readonly outletFlowMmPerS: number;
  readonly inletTravelTimeMs: number;
  private readonly state: Record<TankQuantity, number>;
  /** Called after every change so the OPC UA variables follow the physics. */
  onChange: () => void = () => {};

  constructor(spec: TankSpec) {
    const where = `tank "${spec.id}"`;
    if (!(spec.heightMm > 0)) throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `${where}: heightMm must be > 0, got ${spec.heightMm}`);
    if (!(spec.levelMm >= 0 && spec.levelMm <= spec.heightMm)) {
      throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `${where}: levelMm must lie within 0..${spec.heightMm}, got ${spec.levelMm}`);
    }
    this.id = spec.id;
    this.heightMm = spec.heightMm;
    this.inletFlowMmPerS = spec.inletFlowMmPerS ?? DEFAULT_FLOW_MM_PER_S;
    this.outletFlowMmPerS = spec.outletFlowMmPerS ?? DEFAULT_FLOW_MM_PER_S;
    this.inletTravelTimeMs = spec.inletTravelTimeMs ?? 0;
    this.state = {
      level: spec.levelMm,
      pressure: spec.pressureKPa,
      temperature: spec.temperatureC,
      inletOpen: spec.inletOpen === true ? 1 : 0,
      inletPosition: spec.inletOpen === true ? 1 : 0,
      inletStuck: 0,
      outletRunning: 0,
      sensorFault: 0,
    };
  }

  set(quantity: string, value: number): void {
    const name = this.checked(quantity);
    if (!Number.isFinite(value)) {
      throw new SimulatorError('HAZMON_SIM_DEVICE_INVALID', `tank "${this.id}": quantity "${quantity}" needs a finite number, got ${value}`);
    }
    this.state[name] = value;
    if (name === 'inletOpen' && this.inletTravelTimeMs === 0 && this.state.inletStuck === 0) this.state.inletPosition = value !== 0 ? 1 : 0;
    this.onChange();
  }

  /** The inlet valve's limit switches: closed at position 0, open at 1, neither while it travels. */
  inletSwitch(which: 'closed' | 'open'): boolean {
    return which === 'closed' ? this.state.inletPosition <= 0 : this.state.inletPosition >= 1;
  }

  get(quantity: string): number {
    return this.state[this.checked(quantity)];
  }

  advance(simMs: number): void {
    const seconds = simMs / 1000;
    this.moveInlet(simMs);
    const rate = this.state.inletPosition * this.inletFlowMmPerS - this.state.outletRunning * this.outletFlowMmPerS;
    if (rate !== 0) this.state.level = Math.min(this.heightMm, Math.max(0, this.state.level + rate * seconds));
    this.onChange();
  }

  private moveInlet(simMs: number): void {
    if (this.state.inletStuck !== 0) return;
    const target = this.state.inletOpen !== 0 ? 1 : 0;
    const step = this.inletTravelTimeMs > 0 ? simMs / this.inletTravelTimeMs : 1;
    const position = this.state.inletPosition;
    this.state.inletPosition = target > position ? Math.min(target, position + step) : Math.max(target, position - step);
  }

  private checked(quantity: string): TankQuantity {
    if (isTankQuantity(quantity)) return quantity;
    throw new SimulatorError('HAZMON_SIM_QUANTITY_UNKNOWN', `tank "${this.id}" has no quantity "${quantity}"; known: ${TANK_QUANTITIES.join(', ')}`);
  }
}
