/** Public surface of @hazmon/simulators. */
export {};
