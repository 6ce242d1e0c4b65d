/** Status-code severity to quality, and Variant values to Reading values. */

import { DataType, StatusCodes, Variant, VariantArrayType, standardUnits } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { hazmonUnit, uneceCode } from './engineering-units.ts';
import { describeStatus, qualityOfStatus, scalarOf } from './status.ts';

describe('qualityOfStatus', () => {
  it('maps the severity bits: Good*, Uncertain*, Bad*', () => {
    expect(qualityOfStatus(StatusCodes.Good)).toBe('good');
    expect(qualityOfStatus(StatusCodes.GoodClamped)).toBe('good');
    expect(qualityOfStatus(StatusCodes.UncertainSensorNotAccurate)).toBe('uncertain');
    expect(qualityOfStatus(StatusCodes.UncertainLastUsableValue)).toBe('uncertain');
    expect(qualityOfStatus(StatusCodes.BadSensorFailure)).toBe('bad');
    expect(qualityOfStatus(StatusCodes.BadCommunicationError)).toBe('bad');
  });

  it('describes a status by name and hex code (0x808C0000 is BadSensorFailure in the OPC UA status code table)', () => {
    expect(describeStatus(StatusCodes.BadSensorFailure)).toBe('BadSensorFailure (0x808C0000)');
  });
});

describe('scalarOf', () => {
  it('passes numbers and booleans, joins 64-bit words, refuses arrays and strings', () => {
    expect(scalarOf(new Variant({ dataType: DataType.Double, value: 12.5 }))).toBe(12.5);
    expect(scalarOf(new Variant({ dataType: DataType.Boolean, value: true }))).toBe(true);
    expect(scalarOf(new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [1, 5] }))).toBe(2 ** 32 + 5);
    expect(scalarOf(new Variant({ dataType: DataType.String, value: 'high' }))).toBeUndefined();
    expect(scalarOf(new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: [1, 2] }))).toBeUndefined();
  });
});

describe('engineering units', () => {
  it('decodes UNECE codes and uses hazmon spellings', () => {
    expect(uneceCode(standardUnits.degree_celsius.unitId)).toBe('CEL');
    expect(hazmonUnit(standardUnits.degree_celsius)).toBe('degC');
    expect(hazmonUnit(standardUnits.kilopascal)).toBe('kPa');
    expect(hazmonUnit(standardUnits.percent)).toBe('%');
  });
});
