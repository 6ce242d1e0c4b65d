/**
 * How long a reading stays current, as the agent rules it, on the real server in the real agent: a Modbus point for a
 * few polls, an OPC UA point (reported on change, restated once per keep-alive period) for the keep-alive periods its
 * connection tolerates, never past the point's staleS. The points list and the trends give it, so no page guesses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../agent/fixture.ts';
import { type SignedIn, startSignedIn } from './history-fixture.ts';
import { startSteadyTank, TANK, withSteadyTank } from './web-fixture.ts';

const GAS = 'GD-1.concentration';

interface PointEntry {
  readonly id: string;
  readonly pollIntervalMs: number | null;
  readonly freshForMs: number | null;
  readonly receiveTime: number | null;
}

let tank: Awaited<ReturnType<typeof startSteadyTank>>;
let signedIn: SignedIn;

beforeAll(async () => {
  tank = await startSteadyTank();
  signedIn = await startSignedIn(withSteadyTank(tank.endpointUrl));
  await waitFor('the tank read', () => signedIn.web.agent.latestValues([TANK.pressure])[0]?.receiveTime != null, { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await signedIn?.web.close();
  await tank?.close();
});

async function pointsById(): Promise<ReadonlyMap<string, PointEntry>> {
  const answer = await signedIn.sessions.viewer.request<{ points: PointEntry[] }>('GET', '/api/v1/points');
  expect(answer.status).toBe(200);
  return new Map(answer.body.points.map((point) => [point.id, point]));
}

describe('freshness of readings', () => {
  it('GET /api/v1/points gives each point how long its reading stays current: a Modbus point a few polls, an OPC UA point its keep-alive periods', async () => {
    const points = await pointsById();
    const gas = points.get(GAS)!;
    expect(gas.pollIntervalMs).toBe(1000);
    expect(gas.freshForMs).toBe(3000);
    const pressure = points.get(TANK.pressure)!;
    // Sampled every 100 ms, but reported on change only and restated once per keep-alive period (1 s): that is the
    // spacing its readings keep, and three samplings (300 ms) would call a steady pressure stale.
    expect(pressure.pollIntervalMs).toBe(1000);
    expect(pressure.freshForMs).toBe(TANK.pressureFreshMs);
    expect(points.get(TANK.level)!.freshForMs).toBe(TANK.levelFreshMs);
    for (const point of points.values()) expect(point.freshForMs, point.id).toBe(signedIn.web.agent.pointFreshness().get(point.id));
  });

  it('a steady OPC UA value keeps the spacing /points gives it, so its completeness is whole', async () => {
    const spacingMs = (await pointsById()).get(TANK.pressure)!.pollIntervalMs!;
    const firstRead = signedIn.web.agent.latestValues([TANK.pressure])[0]!.receiveTime!;
    const windowMs = 6 * spacingMs;
    // The window closes a spacing before now: its readings are then on disk.
    await waitFor('six spacings of readings stored', () => Date.now() > firstRead + windowMs + 2 * spacingMs, { timeoutMs: 30_000 });
    const to = Date.now() - spacingMs;
    const answer = await signedIn.web.agent.reader.readings(TANK.pressure, to - windowMs, to, { resolution: 'raw' });
    if (answer.resolution !== 'raw') throw new Error(`raw readings asked, ${answer.resolution} given`);
    const good = answer.rows.filter((row) => row.quality === 'good').length;
    // 6 expected; the sampling interval (100 ms) would expect 60 and call the healthy tank 10 % complete.
    expect(good).toBeGreaterThanOrEqual(windowMs / spacingMs - 1);
  });

  it('the trends give each series the same freshness', async () => {
    const to = Date.now() + 1000;
    const answer = await signedIn.sessions.viewer.request<{ series: { pointId: string; freshForMs: number | null }[] }>(
      'GET',
      `/api/v1/trends?points=${encodeURIComponent(`${GAS},${TANK.pressure}`)}&from=${to - 600_000}&to=${to}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.series.map((series) => [series.pointId, series.freshForMs])).toEqual([
      [GAS, 3000],
      [TANK.pressure, TANK.pressureFreshMs],
    ]);
  });
});
