import { afterEach, describe, expect, it } from 'vitest';
import type { NotifyReceiver } from '../../test/fixtures/runtime/notify-receiver.ts';
import { startNotifyReceiver } from '../../test/fixtures/runtime/notify-receiver.ts';
import { waitFor } from '@hazmon/test-support';
import type { AgentHealth } from './health.ts';
import { SystemdNotifier } from './systemd-notify.ts';

let receiver: NotifyReceiver | null = null;
let notifier: SystemdNotifier | null = null;

afterEach(async () => {
  await notifier?.close();
  notifier = null;
  await receiver?.stop();
  receiver = null;
});

const HEALTHY: AgentHealth = { healthy: true, alive: true, reasons: [] };

describe('SystemdNotifier', () => {
  it('is not created without NOTIFY_SOCKET (run by hand or Type=simple)', () => {
    expect(SystemdNotifier.fromEnvironment({ env: {}, health: () => HEALTHY, log: () => {} })).toBeNull();
  });

  it('sends READY and STATUS, pings the watchdog every half period only while healthy, says why when not, and STOPPING', async () => {
    receiver = await startNotifyReceiver();
    let health: AgentHealth = HEALTHY;
    let judged = 0;
    const logged: string[] = [];
    notifier = SystemdNotifier.fromEnvironment({
      env: { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '100000' },
      health: () => {
        judged += 1;
        return health;
      },
      log: (line) => logged.push(line),
    });
    expect(notifier).not.toBeNull();
    notifier!.ready('running: 3 devices');
    await receiver.waitFor(/^READY=1\nSTATUS=running: 3 devices\n/);
    await receiver.waitFor(/(WATCHDOG=1\n[^]*){3}/);

    health = { healthy: false, alive: false, reasons: ['event loop stalled: delays up to 900 ms', 'alarm engine not ticked for 9 s'] };
    const since = judged;
    await receiver.waitFor(/STATUS=unhealthy: event loop stalled: delays up to 900 ms; alarm engine not ticked for 9 s\n/);
    // Several more watchdog periods pass unhealthy: each is judged, none pinged, the status is not repeated.
    await waitFor('five more unhealthy judgements', () => judged >= since + 5);
    health = HEALTHY;
    const text = await receiver.waitFor(/STATUS=unhealthy[^]*STATUS=running\n/);
    const unhealthyStretch = text.slice(text.indexOf('STATUS=unhealthy'), text.indexOf('STATUS=running\n', text.indexOf('STATUS=unhealthy')));
    expect(unhealthyStretch).not.toContain('WATCHDOG=1');
    expect(text.match(/STATUS=unhealthy/g)).toHaveLength(1);
    expect(logged).toEqual([expect.stringMatching(/unhealthy: event loop stalled.*systemd watchdog not pinged/)]);
    // The recovery ping carries the new status with it.
    await receiver.waitFor(/STATUS=running\nWATCHDOG=1\n/);

    // A failing store alone: still pinged (a restart would not mend it), the status says degraded.
    health = { healthy: false, alive: true, reasons: ['store failing: 10 reading(s) queued'] };
    const degraded = await receiver.waitFor(/STATUS=degraded: store failing: 10 reading\(s\) queued\nWATCHDOG=1\n(WATCHDOG=1\n){2}/);
    expect(degraded.match(/STATUS=degraded/g)).toHaveLength(1);
    expect(logged[1]).toBe('hazmon: degraded: store failing: 10 reading(s) queued');

    notifier!.stopping();
    await receiver.waitFor(/STOPPING=1\nSTATUS=stopping\n$/);
    await notifier!.close();
    const final = receiver.text();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.text()).toBe(final);
  }, 60_000);

  it('falls back to one systemd-notify per message when socat cannot be started', async () => {
    receiver = await startNotifyReceiver();
    const logged: string[] = [];
    notifier = SystemdNotifier.fromEnvironment({ env: { NOTIFY_SOCKET: receiver.path }, health: () => HEALTHY, log: (line) => logged.push(line), socat: '/nonexistent/socat' });
    notifier!.ready('running');
    await receiver.waitFor(/READY=1\nSTATUS=running/);
    expect(logged).toEqual([expect.stringMatching(/cannot start socat .*ENOENT.*systemd-notify instead/)]);
    notifier!.stopping();
    await receiver.waitFor(/STOPPING=1/);
  }, 60_000);
});
