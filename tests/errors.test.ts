/** Every error class a package exports extends HazmonError, so a caller (the dashboard's HTTP layer) maps any of them by code. */
import { describe, expect, it } from 'vitest';
import * as agent from '@hazmon/agent';
import * as dashboard from '@hazmon/dashboard';
import * as errors from '@hazmon/errors';
import * as hub from '@hazmon/hub';
import * as protocols from '@hazmon/protocols';
import * as simulators from '@hazmon/simulators';
import * as uplink from '@hazmon/uplink';
// The hazmon command is the agent's other public surface; its UsageError is not in the library's index.
import * as cli from '../agent/src/cli/command.ts';

const SURFACES: Record<string, Record<string, unknown>> = { errors, protocols, simulators, agent, 'agent cli': cli, dashboard, uplink, hub };

const errorClasses = Object.entries(SURFACES).flatMap(([surface, exports]) =>
  Object.entries(exports)
    // Classes are capitalised: isHazmonError ends in Error too.
    .filter(([name, value]) => /^[A-Z]\w*Error$/.test(name) && typeof value === 'function')
    .map(([name, value]) => ({ surface, name, value: value as new (...args: never[]) => unknown })),
);

describe('exported error classes', () => {
  it('are found in every package, so the check below cannot pass on an empty list', () => {
    expect(errorClasses.map(({ name }) => name).sort()).toEqual(
      expect.arrayContaining(['EngineError', 'HazmonConfigError', 'HazmonError', 'ModbusConfigError', 'ModbusWriteError', 'OpcuaError', 'RuntimeError', 'SimulatorError', 'StoreError', 'UsageError']),
    );
  });

  it.each(errorClasses)('$surface $name extends HazmonError', ({ value }) => {
    expect(value === errors.HazmonError || value.prototype instanceof errors.HazmonError).toBe(true);
  });
});
