/** Public surface of @hazmon/test-support, a devDependency of the packages whose tests use it. */
export { selfSignedCertificate } from './certificate.ts';
export { waitFor, type WaitOptions } from './wait-for.ts';
