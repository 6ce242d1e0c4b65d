/**
 * `hazmon run CONFIG`: loads the config (exit 2 when invalid), runs the agent, logs each alarm event once it is on disk
 * (with its alarm_events seq), reloads CONFIG on SIGHUP (staying up on the previous config when the file is invalid or
 * the change is refused), stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { messageOf } from '@hazmon/errors';
import type { AgentEvent, AgentServer, EventDurability, RunningServer } from '../runtime/index.ts';
import { Agent, collectStartupGarbage, RuntimeError, startServiceHooks } from '../runtime/index.ts';
import type { CliIo } from './command.ts';
import { EXIT, UsageError } from './command.ts';
import { loadConfigOrReport } from './load-config.ts';

/**
 * One log line for an event worth a person's attention, null for the rest (late readings, vote bookkeeping); it ends
 * with where the event is on disk: `[seq N]` (its committed alarm_events row) or `[NOT STORED: why]` when the append
 * failed, `[audit seq N]` for events kept as audit rows (config reloads). Events the store does not keep have no mark.
 */
export function eventLine(event: AgentEvent, durability: EventDurability): string | null {
  const line = eventText(event);
  if (line === null) return null;
  switch (durability.outcome) {
    case 'stored':
      return `${line} [seq ${durability.seq}]`;
    case 'audited':
      return `${line} [audit seq ${durability.auditSeq}]`;
    case 'append_failed':
      return `${line} [NOT STORED: ${durability.error}]`;
    case 'not_stored':
      return line;
  }
}

function eventText(event: AgentEvent): string | null {
  const at = (time: number) => new Date(time).toISOString();
  switch (event.type) {
    case 'alarm':
      return `${at(event.time)} alarm ${event.alarmId} ${event.priority} ${event.fromState} -> ${event.toState}${event.fromMode === event.toMode ? '' : ` (${event.toMode})`} by ${event.who}: ${event.why}`;
    case 'action':
      return `${at(event.time)} action ${event.actionId} ${event.command} ${event.output} by ${event.who}: ${event.why}`;
    case 'runtime_alarm':
      return `${at(event.time)} alarm ${event.alarmId} ${event.priority} ${event.transition}${event.occurrences > 1 ? ` (${event.occurrences} times)` : ''} -> ${event.toState}${event.transition === 'acknowledged' ? ` by ${event.who}` : ''}: ${event.why}`;
    case 'command_refused':
      return `${at(event.time)} refused ${event.command} ${event.target} by ${event.who}: ${event.reason}`;
    case 'alarm_handled':
      return `${at(event.time)} handled ${event.alarmId} by ${event.who}: ${event.result}`;
    case 'upkeep_recorded':
      return `${at(event.time)} ${event.kind} of ${event.deviceId} at ${at(event.at)} by ${event.who}: ${event.result}`;
    case 'alarm_flood':
      return `${at(event.time)} alarm flood ${event.phase} at ${event.site}: ${event.alarmsIn10Min} alarms in 10 minutes`;
    case 'config_reload':
      return `${at(event.time)} config reload ${event.applied ? 'applied' : 'refused'} ${event.file} (${event.trigger}): ${event.why}`;
    default:
      return null;
  }
}

/**
 * Loads `file` again and hands it to the running agent. An invalid file is reported like at start (each problem with
 * its line:col) and audited; a refused change is published by the agent (the event line names the field). Either
 * way the agent runs on, unchanged; resolves whether it was applied.
 */
export async function reloadFromFile(agent: Agent, file: string, io: CliIo, trigger: string): Promise<boolean> {
  const problems: string[] = [];
  const config = loadConfigOrReport(file, io, (count, listing) => {
    problems.push(...listing);
    return `hazmon run: ${trigger}: ${count} problem(s) in ${file}: not reloaded, still running on the previous config`;
  });
  if (config === null) {
    await agent.reloadRejected(file, trigger, problems);
    return false;
  }
  try {
    await agent.reload(config, trigger);
    return true;
  } catch (error) {
    if (!(error instanceof RuntimeError)) io.stderr.write(`hazmon run: ${trigger}: reload of ${file} failed: ${messageOf(error)}\n`);
    return false;
  }
}

/**
 * Turns each SIGHUP into a reload of `file` once the agent runs; one that comes while it starts is held and run right
 * after, rather than ending the process (SIGHUP's default). Reloads queue in the agent.
 */
function reloadOnHangup(file: string, io: CliIo): { ready(agent: Agent): void; dispose(): void } {
  let running: Agent | null = null;
  let held = false;
  const onHangup = () => {
    if (running) void reloadFromFile(running, file, io, 'SIGHUP');
    else held = true;
  };
  process.on('SIGHUP', onHangup);
  return {
    ready(agent) {
      running = agent;
      if (held) onHangup();
    },
    dispose: () => process.off('SIGHUP', onHangup),
  };
}

/** Resolves with the first of the signals; the listeners are removed again. */
function firstSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      for (const name of signals) process.off(name, handler);
      resolve(signal);
    };
    for (const name of signals) process.on(name, handler);
  });
}

/**
 * Loads the file and starts the agent on it; null when the file is invalid (its problems printed). Apart so the
 * loaded config (with the store's point definitions, ~2 MB at 10k points) is not held by the command's frame for as
 * long as the agent runs: the agent keeps what it needs (RunningConfig).
 */
async function startAgent(file: string, io: CliIo): Promise<Agent | null> {
  const config = loadConfigOrReport(file, io, (problems) => `hazmon run: ${problems} problem(s) in ${file}: not started`);
  // The parse's and the checks' garbage, before the store and the engine add theirs.
  collectStartupGarbage();
  return config && Agent.start(config, { log: (line) => io.stderr.write(`${line}\n`) });
}

/** What the composing process gives `hazmon run`: the servers to start beside the agent, and (tests) when to stop. */
export interface RunAgentOptions {
  readonly servers?: readonly AgentServer[];
  readonly until?: Promise<unknown>;
}

export const SERVER_UNAVAILABLE_ALARM = 'agent/server_unavailable';

/**
 * Starts each server with the agent's AgentApi. One that cannot start (a port taken, a certificate missing) is a
 * runtime alarm: the agent goes on monitoring without it.
 */
async function startServers(agent: Agent, servers: readonly AgentServer[], io: CliIo): Promise<RunningServer[]> {
  const log = (line: string) => io.stderr.write(`${line}\n`);
  const running: RunningServer[] = [];
  for (const server of servers) {
    if (server.wanted?.(agent.config) === false) continue;
    try {
      const started = await server.start(agent, log);
      running.push(started);
      io.stdout.write(`hazmon run: ${server.name} at ${started.address}\n`);
    } catch (error) {
      const why = `${server.name} could not start: ${messageOf(error)}`;
      log(`hazmon: ${why}; running without it`);
      agent.raiseRuntimeAlarm({ alarmId: SERVER_UNAVAILABLE_ALARM, source: null, rule: 'server_unavailable', active: true, priority: 'high', why, details: { server: server.name } });
    }
  }
  return running;
}

export async function runAgentCommand(args: readonly string[], io: CliIo, options: RunAgentOptions = {}): Promise<number> {
  const until = options.until ?? firstSignal(['SIGINT', 'SIGTERM']);
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError(`give exactly one config file (got ${positionals.length})`);
  const hangups = reloadOnHangup(positionals[0]!, io);
  const agent = await startAgent(positionals[0]!, io);
  if (agent === null) {
    hangups.dispose();
    return EXIT.configInvalid;
  }
  const { config } = agent;
  // The durable feed: a line printed is an event on disk (safety rule 3), never one a kill could still take back.
  agent.subscribeDurable((event, durability) => {
    const line = eventLine(event, durability);
    if (line !== null) io.stdout.write(`${line}\n`);
  });
  const service = await startServiceHooks(agent, { log: (line) => io.stderr.write(`${line}\n`) });
  io.stdout.write(`hazmon run: ${config.file}: started (${config.devices.length} devices, ${config.opcua.length} OPC UA connections, store ${config.store.path})\n`);
  if (service.endpoint) io.stdout.write(`hazmon run: metrics at ${service.endpoint.url}/metrics, health at ${service.endpoint.url}/healthz\n`);
  const servers = await startServers(agent, options.servers ?? [], io);
  hangups.ready(agent);
  const signal = await until;
  hangups.dispose();
  io.stdout.write(`hazmon run: ${typeof signal === 'string' ? `${signal}: ` : ''}stopping\n`);
  service.stopping();
  await Promise.allSettled(servers.map((server) => server.close()));
  await agent.stop();
  await service.close();
  io.stdout.write('hazmon run: stopped\n');
  return EXIT.ok;
}
