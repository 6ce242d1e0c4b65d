/** The one place node-opcua is loaded, on first use: it costs ~90 MB and a Node-version warning on stdout, which Modbus-only sites and CLI commands must not pay. */

export type NodeOpcua = typeof import('node-opcua');

let loading: Promise<NodeOpcua> | undefined;

/** Imports node-opcua once; every later call gets the same module. */
export function loadNodeOpcua(): Promise<NodeOpcua> {
  loading ??= import('node-opcua');
  return loading;
}
