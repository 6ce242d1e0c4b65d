/** Public surface of @hazmon/agent. */
export {};
