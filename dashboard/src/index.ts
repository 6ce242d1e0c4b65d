/** Public surface of @hazmon/dashboard. */
export {};
