/** Gas library tests: presets from the standards in each unit, and the ppm <-> mg/m3 conversion at 20 degC. */
import { describe, expect, it } from 'vitest';
import { AlarmEngine } from './engine.ts';
import { mgPerM3ToPpm, ppmToMgPerM3, presetLimits } from './gas-library.ts';

describe('gas library', () => {
  it('converts ppm <-> mg/m3 with M / 24.04 (20 degC, 101.325 kPa)', () => {
    expect(ppmToMgPerM3(10, 34.08)).toBeCloseTo(14.176, 3);
    expect(mgPerM3ToPpm(ppmToMgPerM3(123, 17.03), 17.03)).toBeCloseTo(123, 9);
  });

  it('GB/T 50493: combustible 25 / 50 %LEL, with CH4 LEL 5.0 %vol by the table and 4.4 %vol per IEC when chosen', () => {
    expect(presetLimits('CH4', '%LEL')).toMatchObject({ hi: 25, hihi: 50 });
    expect(presetLimits('CH4', '%VOL').hi).toBeCloseTo(1.25, 9);
    expect(presetLimits('CH4', '%VOL', 'gbt50493', 'iec').hi).toBeCloseTo(1.1, 9);
    expect(presetLimits('C3H8', 'ppm').hihi).toBeCloseTo(10_500, 6);
  });

  it('toxic: 100 % / 200 % of the OEL (MAC, else STEL, else TWA); STEL and TWA exposure limits in the unit', () => {
    expect(presetLimits('H2S', 'mg/m3')).toMatchObject({ hi: 10, hihi: 20 });
    expect(presetLimits('H2S', 'ppm').hi).toBeCloseTo(mgPerM3ToPpm(10, 34.08), 9);
    expect(presetLimits('CO', 'mg/m3')).toMatchObject({ hi: 30, hihi: 60, stel: 30, twa: 20 });
    expect(presetLimits('Cl2', 'mg/m3')).toMatchObject({ hi: 1, hihi: 2 });
  });

  it('oxygen 23.5 / 19.5 %VOL; NH3 machine room 150 ppm on a ppm detector (ventilation) and 25 %LEL on a %LEL one (power cut)', () => {
    expect(presetLimits('O2', '%VOL')).toMatchObject({ hi: 23.5, lo: 19.5 });
    expect(() => presetLimits('O2', 'ppm')).toThrow(/oxygen preset needs unit %VOL/);
    // Each level only for the detector made to measure it: 25 %LEL (37,500 ppm) is beyond a ppm cell's range, 150 ppm
    // (0.1 %LEL) within a high-range head's noise.
    expect(presetLimits('NH3', 'ppm', 'gb50072-nh3-machine-room')).toEqual({ hi: 150, stel: expect.any(Number), twa: expect.any(Number), actions: { hi: 'fan' } });
    expect(presetLimits('NH3', '%LEL', 'gb50072-nh3-machine-room')).toEqual({ hihi: 25, stel: expect.any(Number), twa: expect.any(Number), actions: { hihi: 'power_cut' } });
    expect(() => presetLimits('CH4', 'ppm', 'gb50072-nh3-machine-room')).toThrow(/applies to NH3/);
  });

  it('a point takes its limits from the preset unless config overrides them', () => {
    const engine = new AlarmEngine({ points: [{ id: 'GT', preset: { gas: 'CH4', unit: '%LEL' }, limits: { hihi: 40 } }] }, () => {});
    engine.processReading(0, 1, 30, 0, 0, 0);
    expect([engine.alarm('GT/hi')?.conditionActive, engine.alarm('GT/hihi')?.conditionActive]).toEqual([true, false]);
    engine.processReading(0, 2, 41, 0, 0, 0);
    expect(engine.alarm('GT/hihi')?.conditionActive).toBe(true);
  });
});
