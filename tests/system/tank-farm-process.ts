/**
 * An OPC UA tank farm in a process of its own (`node --import tsx tank-farm-process.ts PORT PKI_DIR TANKS_JSON`):
 * node-opcua's start-up blocks its event loop for a while, which in the test's own process would hold up the
 * Modbus simulators beside it. Prints `{"endpointUrl", "port"}` once it listens; SIGTERM stops it the way a service
 * stop does (clients see the session closed), SIGKILL is a crash.
 */
import { startTankFarm } from '@hazmon/simulators';

const [port, pkiDir, tanks] = process.argv.slice(2);
if (port === undefined || pkiDir === undefined || tanks === undefined) throw new Error('usage: tank-farm-process.ts PORT PKI_DIR TANKS_JSON');
const farm = await startTankFarm({ port: Number(port), speed: 1, pkiDir, tanks: JSON.parse(tanks) });
process.once('SIGTERM', () => void farm.stop().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ endpointUrl: farm.endpointUrl, port: farm.port })}\n`);
