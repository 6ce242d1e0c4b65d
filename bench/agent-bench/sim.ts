/**
 * Simulator child of bench/agent.bench.ts: runs a site spec (JSON file given as argv[2]) in its own process, so the
 * agent's process holds only the agent, and moves every register-bank point by a random walk of whole steps once a
 * second so stored values change like a plant's. Prints one JSON line with the endpoints, then runs until SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { startSite, type SiteSpec } from '@hazmon/simulators';

/** Share of points that move one step each second, and the band the walk stays in. */
const MOVING_SHARE = 0.3;
const WALK_MIN = 0;
const WALK_MAX = 1000;

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SiteSpec & { pointsPerDevice: number };
const { pointsPerDevice, ...siteSpec } = spec;
const site = await startSite(siteSpec);
const devices = (siteSpec.tcp ?? []).flatMap((port) => port.devices.map((device) => site.device(device.id)));
const names = Array.from({ length: pointsPerDevice }, (_, i) => `p${i}`);
const values = devices.map(() => new Float64Array(pointsPerDevice).fill(100));

let seed = 2026;
const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const walk = setInterval(() => {
  devices.forEach((device, d) => {
    const row = values[d]!;
    for (let i = 0; i < pointsPerDevice; i++) {
      const draw = random();
      if (draw >= MOVING_SHARE) continue;
      const next = Math.min(WALK_MAX, Math.max(WALK_MIN, row[i]! + (draw < MOVING_SHARE / 2 ? -1 : 1)));
      row[i] = next;
      device.set(names[i]!, next);
    }
  });
}, 1000);

process.stdout.write(`${JSON.stringify({ endpoints: site.endpoints })}\n`);
process.once('SIGTERM', () => {
  clearInterval(walk);
  void site.stop().then(() => process.exit(0));
});
