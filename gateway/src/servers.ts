/**
 * The gateway process is composed here, above both the agent and the servers that run beside it: `hazmon run` starts
 * the agent and hands each server the agent's AgentApi, the only way in. Every other command is the agent's own.
 */
import type { AgentServer } from '@hazmon/agent';

/** The servers `hazmon run` starts in the agent's process (one DuckDB writer per file): the web server joins here. */
export const GATEWAY_SERVERS: readonly AgentServer[] = [];
