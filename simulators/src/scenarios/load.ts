/** Loads and validates scenario files (YAML) or in-memory scenario objects. */

import { validateData, loadYamlFile } from '../yaml-file.ts';
import { scenarioSchema, type Scenario } from './schema.ts';

export function loadScenarioFile(path: string): Scenario {
  return loadYamlFile(path, scenarioSchema, 'HAZMON_SCENARIO_INVALID');
}

/** Validates a scenario given as data; `source` names it in errors (e.g. "site.yaml: devices[2].scenario"). */
export function parseScenario(data: unknown, source: string): Scenario {
  return validateData(scenarioSchema, data, source, 'HAZMON_SCENARIO_INVALID');
}
