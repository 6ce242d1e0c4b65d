/**
 * The gateway process is composed here, above both the agent and the servers that run beside it: `hazmon run` starts
 * the agent and hands each server the agent's AgentApi, the only way in. Every other command is the agent's own,
 * but for `hazmon openapi`, whose document comes from the dashboard package.
 */
import type { AgentServer } from '@hazmon/agent';
import { EXIT, hazmonCommands, UsageError, type Command } from '@hazmon/agent/cli';

/** The web server, loaded when `hazmon run` starts it: the other commands do not pay for Hono and the routes. */
const webServer: AgentServer = {
  name: 'web server',
  start: async (api, log) => (await import('@hazmon/dashboard')).dashboardServer.start(api, log),
};

/** The uplink to the regulator hub, loaded (with the NATS client) only when the config has an `uplink:` section. */
const uplinkServer: AgentServer = {
  name: 'uplink',
  wanted: (config) => config.uplink !== null,
  start: async (api, log) => (await import('@hazmon/uplink')).startUplink(api, log),
};

/** The servers `hazmon run` starts in the agent's process (one DuckDB writer per file). */
const GATEWAY_SERVERS: readonly AgentServer[] = [webServer, uplinkServer];

const openapiCommand: Command = {
  name: 'openapi',
  usage: '',
  summary: "print the web server's OpenAPI 3.1 document (JSON): the one it serves at /api/v1/openapi.json",
  run: async (args, io) => {
    if (args.length > 0) throw new UsageError(`takes no arguments (got ${args.length})`);
    const { openApiDocument } = await import('@hazmon/dashboard');
    io.stdout.write(`${JSON.stringify(openApiDocument(), null, 2)}\n`);
    return EXIT.ok;
  },
};

/** Every `hazmon` subcommand: the agent's, with the gateway's servers, and the gateway's own. */
export function gatewayCommands(): Command[] {
  return [...hazmonCommands({ servers: GATEWAY_SERVERS }), openapiCommand];
}
