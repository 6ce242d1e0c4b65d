/** `hazmon check-config FILE`: loads the config as the agent would, prints every problem or a summary; writes nothing. */
import { parseArgs } from 'node:util';
import type { AgentConfig } from '../config/index.ts';
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
  return EXIT.ok;
}
