/** Pure scenario maths: the value of a quantity and the comms fault at a simulated time. No I/O, no clock. */

import type { CommsFault } from '../modbus/unit-host.ts';
import type { Scenario, ScenarioEffect } from './schema.ts';

export interface ScenarioSample {
  simTimeMs: number;
  value: number;
}

export interface RenderOptions {
  stepMs: number;
  durationMs: number;
}

/** splitmix32-style integer hash to [0, 1): noise depends only on (seed, effect, time slot), never on call order. */
function unitNoise(seed: number, effectIndex: number, slot: number): number {
  let h = (seed ^ Math.imul(effectIndex + 1, 0x9e3779b9) ^ Math.imul(slot, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  h ^= h >>> 15;
  return (h >>> 0) / 0x1_0000_0000;
}

function effectQuantity(effect: ScenarioEffect): string | null {
  return effect.kind === 'commsLoss' ? null : effect.quantity;
}

/** Quantities the scenario drives: those named by `initial` and by its effects. */
export function scenarioQuantities(scenario: Scenario): string[] {
  const names = new Set(Object.keys(scenario.initial));
  for (const effect of scenario.effects) {
    const name = effectQuantity(effect);
    if (name !== null) names.add(name);
  }
  return [...names];
}

/** Seconds since the scenario started, or since its current round began when it loops. */
function secondsIntoRound(scenario: Scenario, simTimeMs: number): number {
  return (scenario.loop ? simTimeMs % (scenario.durationS * 1000) : simTimeMs) / 1000;
}

/** Value of `quantity` at `simTimeMs` after the scenario started: effects apply in file order, each on the result of the previous ones. */
export function scenarioValueAt(scenario: Scenario, quantity: string, simTimeMs: number): number {
  let value = scenario.initial[quantity] ?? 0;
  const t = secondsIntoRound(scenario, simTimeMs);
  scenario.effects.forEach((effect, index) => {
    if (effect.kind === 'commsLoss' || effect.quantity !== quantity || t < effect.startS) return;
    const elapsed = t - effect.startS;
    const active = effect.durationS === undefined || elapsed < effect.durationS;
    switch (effect.kind) {
      case 'step':
        if (active) value = effect.value;
        return;
      case 'ramp': {
        const from = effect.from ?? value;
        value = from + (effect.to - from) * Math.min(1, elapsed / effect.durationS);
        return;
      }
      case 'noise':
        if (active) value += effect.amplitude * (2 * unitNoise(scenario.seed, index, Math.floor((elapsed + 1e-9) / effect.periodS)) - 1);
        return;
      case 'sensorFault':
        if (active) value = 1;
        return;
      case 'chatter':
        if (active) value = effect.setpoint + (Math.floor((2 * elapsed) / effect.periodS + 1e-9) % 2 === 0 ? effect.amplitude : -effect.amplitude);
        return;
      case 'overfill': {
        const risen = value + effect.ratePerS * Math.min(elapsed, effect.durationS ?? elapsed);
        value = effect.max === undefined ? risen : Math.min(effect.max, risen);
        return;
      }
    }
  });
  return value;
}

/** The comms fault in force at `simTimeMs` (the last listed active commsLoss wins), or 'none'. */
export function scenarioCommsFaultAt(scenario: Scenario, simTimeMs: number): CommsFault {
  const t = secondsIntoRound(scenario, simTimeMs);
  let fault: CommsFault = 'none';
  for (const effect of scenario.effects) {
    if (effect.kind !== 'commsLoss' || t < effect.startS) continue;
    if (effect.durationS === undefined || t - effect.startS < effect.durationS) fault = effect.mode;
  }
  return fault;
}

/**
 * The samples (simTimeMs, value) the scenario produces for quantity `target` at 0, stepMs, 2*stepMs, ... up to
 * durationMs inclusive. Pure: the live runner uses the same scenarioValueAt, so replaying gives the same values.
 */
export function renderScenarioSignal(scenario: Scenario, target: string, options: RenderOptions): ScenarioSample[] {
  if (!(options.stepMs > 0)) throw new RangeError(`renderScenarioSignal: stepMs must be > 0, got ${options.stepMs}`);
  const count = Math.floor(options.durationMs / options.stepMs) + 1;
  const samples: ScenarioSample[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const simTimeMs = i * options.stepMs;
    samples[i] = { simTimeMs, value: scenarioValueAt(scenario, target, simTimeMs) };
  }
  return samples;
}
