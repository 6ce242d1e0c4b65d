/** `hazmon check-config FILE`: loads the config as the agent would, prints every problem or a summary; writes nothing. */
import { parseArgs } from 'node:util';
import { messageOf } from '@hazmon/errors';
import type { AgentConfig } from '../config/index.ts';
import { applyOverrides, readThresholdOverrides, thresholdOverrideFile } from '../runtime/threshold-overrides.ts';
import type { CliIo } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { loadConfigOrReport } from './load-config.ts';

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** One line saying what the agent would run. */
export function configSummary(config: AgentConfig): string {
  return [
    count(config.lines.length, 'line'),
    count(config.devices.length, 'device'),
    count(config.opcua.length, 'OPC UA connection'),
    `${count(config.storePoints.length, 'point')} (${config.engine.points.length} with rules)`,
    count(config.alarmCount, 'rule'),
    // Counted after the area presets: an interlock's generated voting group and actions show here.
    count(config.engine.votingGroups.length, 'voting group'),
    count(config.engine.actions.length, 'action'),
    count(config.outputs.length, 'output'),
    count(config.users.length, 'user'),
  ].join(', ');
}

export async function checkConfig(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError(`give exactly one config file (got ${positionals.length})`);
  const config = loadConfigOrReport(positionals[0]!, io, (problems) => `${count(problems, 'problem')}: the agent would refuse to start with this file`);
  if (config === null) return EXIT.configInvalid;
  io.stdout.write(`${config.file}: ok: ${configSummary(config)}\n`);
  await reportThresholdOverrides(config, io);
  return EXIT.ok;
}

/**
 * The thresholds people changed at run time that the agent would lay over this file's limits (the overrides file
 * beside the store), and those it would retire because the file's value changed or no longer fits.
 */
async function reportThresholdOverrides(config: AgentConfig, io: CliIo): Promise<void> {
  const file = thresholdOverrideFile(config.store.path);
  let overrides: Awaited<ReturnType<typeof readThresholdOverrides>>['overrides'];
  try {
    overrides = (await readThresholdOverrides(file)).overrides;
  } catch (error) {
    io.stdout.write(`${file}: unreadable (${messageOf(error)}): the agent would move it aside and run on this file's limits\n`);
    return;
  }
  if (overrides.length === 0) return;
  const { inForce, retired } = applyOverrides(config, overrides);
  io.stdout.write(`${count(inForce.length, 'threshold override')} in force over this file's limits (${file}):\n`);
  for (const override of inForce) {
    io.stdout.write(`  ${override.pointId} ${override.limit} = ${override.value} (file: ${override.configValue}) by ${override.by} at ${new Date(override.at).toISOString()}: ${override.reason}\n`);
  }
  for (const { override, why } of retired) io.stdout.write(`  ${override.pointId} ${override.limit} = ${override.value} by ${override.by}: retired at the next start or reload: ${why}\n`);
}
