/**
 * The README's demo command: the demo plant's simulators and the gateway's `hazmon run` (agent + web server) on them.
 * The story's first event happens (the tank overfill closes T-101's inlet, confirmed by its limit switches), the
 * dashboard answers at the printed address with the site plan, the printed demo logins sign in, and the demo stops cleanly.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@hazmon/test-support';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const STORY_TIMEOUT_MS = 90_000;

describe('demo', () => {
  it('says its options on --help (exit 0) and names an unknown option with them, exit 2, without a stack trace', () => {
    const demo = (option: string) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', option], { cwd: repoRoot, encoding: 'utf8' });
    const help = demo('--help');
    expect(help.status).toBe(0);
    for (const option of ['--duration', '--port', '--dir']) expect(help.stdout).toContain(option);
    const unknown = demo('--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^demo: Unknown option '--bogus'/);
    expect(unknown.stderr).toContain('--duration');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    // Two starts of tsx with the simulators' imports: ~10 s each on a loaded 2-core machine.
  }, 90_000);

  it('plays the tank overfill on the demo plant, serves the dashboard and its site plan with the printed logins, and stops cleanly', async () => {
    // --duration bounds the run should the test fail before stopping it; --port 0 and --dir keep clear of a demo already running.
    const dir = mkdtempSync(join(tmpdir(), 'hazmon-demo-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--duration', '150', '--port', '0', '--dir', dir], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let code: number | null = null;
    const state = () => `stdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-2000)}`;
    try {
      const address = await waitFor('the dashboard address', () => /hazmon demo: dashboard at (http:\/\/\S+)\//.exec(stdout)?.[1], { timeoutMs: STORY_TIMEOUT_MS, state });
      let viewerCookie = '';
      const logins = [...stdout.matchAll(/^ {2}(\w+) +password (\S+)$/gm)].map(([, name, password]) => ({ name: name!, password: password! }));
      expect(logins.map((login) => login.name)).toEqual(['viewer', 'operator', 'supervisor', 'admin']);
      for (const login of logins) {
        const response = await fetch(`${address}/api/v1/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: address },
          body: JSON.stringify(login),
        });
        expect(response.status, `sign-in of ${login.name}`).toBe(200);
        expect(await response.json()).toMatchObject({ name: login.name, role: login.name });
        if (login.name === 'viewer') viewerCookie = response.headers.get('set-cookie')!.split(';')[0]!;
      }
      // The upkeep history the demo entered through the API before printing the logins: only the two left overdue on purpose are due.
      expect(stdout).toMatch(/demo: \d+ upkeep records of \d+ detectors entered as operator/);
      const upkeep = (await (await fetch(`${address}/api/v1/upkeep`, { headers: { Cookie: viewerCookie } })).json()) as {
        detectors: { deviceId: string; bumpTest: { overdue: boolean }; calibration: { overdue: boolean } }[];
        records: { who: string }[];
      };
      const overdue = upkeep.detectors.flatMap((detector) => [
        ...(detector.bumpTest.overdue ? [`${detector.deviceId} bump test`] : []),
        ...(detector.calibration.overdue ? [`${detector.deviceId} calibration`] : []),
      ]);
      expect(overdue).toEqual(['GD-T05 bump test', 'HS-P2 calibration']);
      expect(upkeep.records.length).toBeGreaterThan(50);
      expect(new Set(upkeep.records.map((record) => record.who))).toEqual(new Set(['operator']));
      // The regulator's view of the site: the inventories give R = 1.5 * (2 * 300/50 + 800/500 + 2 * 20/10) = 26.4, grade 3.
      const siteResponse = await fetch(`${address}/api/v1/site`, { headers: { Cookie: viewerCookie } });
      expect(siteResponse.status).toBe(200);
      const siteBody = (await siteResponse.json()) as { site: { timeZone: string }; plan: { url: string; width: number; height: number } | null; majorHazard: { r: number; grade: number } | null };
      expect(siteBody.majorHazard?.r).toBeCloseTo(26.4, 6);
      expect(siteBody.majorHazard?.grade).toBe(3);
      // The risk map: the config the demo wrote elsewhere still finds the example's plan image.
      expect(siteBody.site.timeZone).toBe('Asia/Shanghai');
      expect(siteBody.plan).toEqual({ url: '/api/v1/site/plan', width: 1600, height: 1000 });
      const plan = await fetch(`${address}${siteBody.plan!.url}`, { headers: { Cookie: viewerCookie } });
      expect(plan.status).toBe(200);
      expect(plan.headers.get('content-type')).toBe('image/svg+xml');
      expect(await plan.text()).toContain('氨制冷机房');

      await waitFor('the overfill closing T-101 inlet', () => /action tank-farm\.T-101-inlet close T-101-inlet by engine: T-101\.level\/hihi active/.test(stdout), {
        timeoutMs: STORY_TIMEOUT_MS,
        state,
      });
      await waitFor(
        'the inlet confirmed closed by its limit switches',
        () => /T-101-inlet\/shutoff_confirmed .*T-101-inlet confirmed closed \(T-101\.inlet-closed true, T-101\.inlet-open false\)/.test(stdout),
        {
          timeoutMs: STORY_TIMEOUT_MS,
          state,
        },
      );
      expect(stdout).not.toMatch(/shutoff_discrepancy.*T-101-inlet/);
      expect(stdout).toContain(`store ${join(dir, 'hazmon.duckdb')}`);
    } finally {
      child.kill('SIGTERM');
      code = await exited;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(code, state()).toBe(0);
    expect(stdout).toMatch(/hazmon run: stopped/);
  }, 180_000);
});
