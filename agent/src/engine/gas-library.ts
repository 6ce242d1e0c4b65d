/** Gas library: setpoint presets from GB/T 50493-2019, GB 50072-2021 and GBZ 2.1, and ppm <-> mg/m3 conversion. */
import { EngineError } from './errors.ts';

/**
 * Molar volume of an ideal gas at the reference conditions used for every conversion here:
 * 20 degC and 101.325 kPa (GBZ 2.1 states its limits at these conditions): 24.04 L/mol.
 */
export const MOLAR_VOLUME_L_20C = 24.04;

/** mg/m3 = ppm * M / 24.04 at 20 degC, 101.325 kPa. */
export function ppmToMgPerM3(ppm: number, molarMassGPerMol: number): number {
  return (ppm * molarMassGPerMol) / MOLAR_VOLUME_L_20C;
}

export function mgPerM3ToPpm(mgPerM3: number, molarMassGPerMol: number): number {
  return (mgPerM3 * MOLAR_VOLUME_L_20C) / molarMassGPerMol;
}

export interface GasEntry {
  readonly kind: 'combustible' | 'toxic' | 'oxygen';
  readonly molarMass: number;
  /** Lower explosive limit, %vol, the value of the table hazmon follows (see lelIecPercentVol). */
  readonly lelPercentVol?: number;
  /** IEC 60079-20-1 value where it differs from the table value. */
  readonly lelIecPercentVol?: number;
  /** GBZ 2.1 occupational exposure limits, mg/m3. */
  readonly macMgPerM3?: number;
  readonly stelMgPerM3?: number;
  readonly twaMgPerM3?: number;
  readonly idlhMgPerM3?: number;
}

/** Defaults that config can override. NH3 is toxic first (its OEL alarms long before its LEL). */
export const GAS_LIBRARY = {
  CH4: { kind: 'combustible', molarMass: 16.04, lelPercentVol: 5.0, lelIecPercentVol: 4.4 },
  H2: { kind: 'combustible', molarMass: 2.016, lelPercentVol: 4.0 },
  C3H8: { kind: 'combustible', molarMass: 44.1, lelPercentVol: 2.1 },
  H2S: { kind: 'toxic', molarMass: 34.08, macMgPerM3: 10, idlhMgPerM3: 430 },
  CO: { kind: 'toxic', molarMass: 28.01, twaMgPerM3: 20, stelMgPerM3: 30 },
  Cl2: { kind: 'toxic', molarMass: 70.9, macMgPerM3: 1 },
  NH3: { kind: 'toxic', molarMass: 17.03, twaMgPerM3: 20, stelMgPerM3: 30, lelPercentVol: 15.0 },
  O2: { kind: 'oxygen', molarMass: 32.0 },
} as const satisfies Record<string, GasEntry>;

export type GasName = keyof typeof GAS_LIBRARY;
export const GAS_NAMES = Object.keys(GAS_LIBRARY) as [GasName, ...GasName[]];

export const PRESET_STANDARDS = ['gbt50493', 'gb50072-nh3-machine-room'] as const;
export type PresetStandard = (typeof PRESET_STANDARDS)[number];
export type LelSource = 'table' | 'iec';
export const PRESET_UNITS = ['%LEL', '%VOL', 'ppm', 'mg/m3'] as const;
export type PresetUnit = (typeof PRESET_UNITS)[number];

export interface PresetLimits {
  hihi?: number;
  hi?: number;
  lo?: number;
  lolo?: number;
  /** Exposure limits for STEL (15 min) and TWA (8 h) rules, in the point's unit. */
  stel?: number;
  twa?: number;
  /** Which alarm drives which kind of action under this standard (the outputs are named in config). */
  actions?: Partial<Record<'hi' | 'hihi', 'fan' | 'power_cut'>>;
}

function lelOf(gas: GasName, entry: GasEntry, lelSource: LelSource): number {
  const lel = lelSource === 'iec' ? (entry.lelIecPercentVol ?? entry.lelPercentVol) : entry.lelPercentVol;
  if (lel === undefined) throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `gas library: ${gas} has no LEL`);
  return lel;
}

/** Converts a concentration given as %vol of `gas` into `unit`. */
function fromPercentVol(percentVol: number, gas: GasName, unit: PresetUnit, lelSource: LelSource): number {
  const entry: GasEntry = GAS_LIBRARY[gas];
  switch (unit) {
    case '%VOL':
      return percentVol;
    case 'ppm':
      return percentVol * 10_000;
    case 'mg/m3':
      return ppmToMgPerM3(percentVol * 10_000, entry.molarMass);
    case '%LEL':
      return (percentVol / lelOf(gas, entry, lelSource)) * 100;
  }
}

function fromMgPerM3(mgPerM3: number, gas: GasName, unit: PresetUnit, lelSource: LelSource): number {
  if (unit === 'mg/m3') return mgPerM3;
  return fromPercentVol(mgPerM3ToPpm(mgPerM3, GAS_LIBRARY[gas].molarMass) / 10_000, gas, unit, lelSource);
}

function fromPercentLel(percentLel: number, gas: GasName, unit: PresetUnit, lelSource: LelSource): number {
  if (unit === '%LEL') return percentLel;
  return fromPercentVol((percentLel / 100) * lelOf(gas, GAS_LIBRARY[gas], lelSource), gas, unit, lelSource);
}

/**
 * Setpoints for a gas under a standard, in the point's unit.
 * gbt50493 (GB/T 50493-2019 5.5.2): combustible level 1 (hi) 25 %LEL, level 2 (hihi) 50 %LEL; toxic level 1 = 100 % OEL,
 * level 2 = 200 % OEL, the OEL taken as MAC, else PC-STEL, else PC-TWA (GBZ 2.1), or 5 % / 10 % of IDLH without an OEL;
 * oxygen hi 23.5 %VOL, lo 19.5 %VOL.
 * gb50072-nh3-machine-room (GB 50072-2021): NH3 150 ppm (hi: alarm and emergency ventilation) for a low-range
 * detector (ppm, mg/m3), 25 %LEL (hihi: cut the machine room's power) for a high-range one (%LEL, %VOL). Each level is
 * given only to the detector made to measure it: 25 %LEL is 37,500 ppm, beyond any ppm cell's range (a limit that can
 * never trip), and 150 ppm is 0.1 %LEL, within a high-range head's noise.
 */
export function presetLimits(gas: GasName, unit: PresetUnit, standard: PresetStandard = 'gbt50493', lelSource: LelSource = 'table'): PresetLimits {
  const entry: GasEntry = GAS_LIBRARY[gas];
  const limits: PresetLimits = {};
  if (entry.stelMgPerM3 !== undefined) limits.stel = fromMgPerM3(entry.stelMgPerM3, gas, unit, lelSource);
  if (entry.twaMgPerM3 !== undefined) limits.twa = fromMgPerM3(entry.twaMgPerM3, gas, unit, lelSource);
  if (standard === 'gb50072-nh3-machine-room') {
    if (gas !== 'NH3') throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `preset ${standard} applies to NH3, not "${gas}"`);
    if (unit === 'ppm' || unit === 'mg/m3') {
      limits.hi = fromPercentVol(150 / 10_000, gas, unit, lelSource);
      limits.actions = { hi: 'fan' };
    } else {
      limits.hihi = fromPercentLel(25, gas, unit, lelSource);
      limits.actions = { hihi: 'power_cut' };
    }
    return limits;
  }
  if (entry.kind === 'oxygen') {
    if (unit !== '%VOL') throw new EngineError('HAZMON_ENGINE_CONFIG_INVALID', `oxygen preset needs unit %VOL, got "${unit}"`);
    limits.hi = 23.5;
    limits.lo = 19.5;
  } else if (entry.kind === 'combustible') {
    limits.hi = fromPercentLel(25, gas, unit, lelSource);
    limits.hihi = fromPercentLel(50, gas, unit, lelSource);
  } else {
    const oel = entry.macMgPerM3 ?? entry.stelMgPerM3 ?? entry.twaMgPerM3;
    const [level1, level2] = oel !== undefined ? [oel, 2 * oel] : [0.05 * entry.idlhMgPerM3!, 0.1 * entry.idlhMgPerM3!];
    limits.hi = fromMgPerM3(level1, gas, unit, lelSource);
    limits.hihi = fromMgPerM3(level2, gas, unit, lelSource);
  }
  return limits;
}
