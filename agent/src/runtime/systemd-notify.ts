/**
 * systemd's notify protocol (READY, STATUS, WATCHDOG, STOPPING) without a native module: Node cannot send unix
 * datagrams, so one long-lived `socat` child forwards each message to $NOTIFY_SOCKET. It stays alive, so systemd can
 * attribute every message to the service (the unit needs NotifyAccess=all); a `systemd-notify` per message, the
 * fallback when socat is missing, may exit before systemd looks it up. The watchdog is pinged only while the agent
 * is healthy, so a hung agent is killed and restarted.
 *
 * @example
 * const notifier = SystemdNotifier.fromEnvironment({ health: () => assessHealth(...), log });
 * notifier?.ready('polling 12 devices');
 * notifier?.stopping();
 * await notifier?.close();
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { AgentHealth } from './health.ts';

export interface SystemdNotifierOptions {
  /** Default process.env: NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID. */
  readonly env?: NodeJS.ProcessEnv;
  readonly health: () => AgentHealth;
  readonly log: (line: string) => void;
  /** Programs used to send; defaults `socat` and `systemd-notify` from PATH. */
  readonly socat?: string;
  readonly systemdNotify?: string;
}

export class SystemdNotifier {
  private forwarder: ChildProcess | null = null;
  /** Messages sent while socat failed to start: resent through the fallback. */
  private unconfirmed: string[] = [];
  private fallback = false;
  private watchdogTimer: NodeJS.Timeout | null = null;
  /** The STATUS last sent for a health problem; '' while healthy. */
  private lastProblem = '';
  private closed = false;

  private constructor(
    private readonly socket: string,
    private readonly options: SystemdNotifierOptions,
  ) {}

  /** A notifier when systemd started the process with NOTIFY_SOCKET, else null (run by hand, Type=simple). */
  static fromEnvironment(options: SystemdNotifierOptions): SystemdNotifier | null {
    const env = options.env ?? process.env;
    const socket = env['NOTIFY_SOCKET'];
    if (!socket) return null;
    const notifier = new SystemdNotifier(socket, options);
    const usec = Number(env['WATCHDOG_USEC']);
    const forUs = env['WATCHDOG_PID'] === undefined || Number(env['WATCHDOG_PID']) === process.pid;
    if (Number.isFinite(usec) && usec > 0 && forUs) notifier.startWatchdog(usec / 2000);
    return notifier;
  }

  /** Start-up done: systemd marks the unit active (Type=notify). */
  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${oneLine(status)}\n`);
  }

  status(status: string): void {
    this.send(`STATUS=${oneLine(status)}\n`);
  }

  /** Shutdown begun: systemd waits (TimeoutStopSec) instead of taking the exit for a crash. */
  stopping(): void {
    this.stopWatchdog();
    this.send('STOPPING=1\nSTATUS=stopping\n');
  }

  /** Stops the watchdog and lets the forwarder send what it has and exit. */
  async close(): Promise<void> {
    this.stopWatchdog();
    this.closed = true;
    const forwarder = this.forwarder;
    if (!forwarder || forwarder.exitCode !== null) return;
    const exited = new Promise((resolve) => forwarder.once('close', resolve));
    forwarder.stdin?.end();
    await exited;
  }

  private startWatchdog(everyMs: number): void {
    this.watchdogTimer = setInterval(() => this.watchdogTick(), everyMs);
    this.watchdogTimer.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
  }

  /**
   * Pings only a live agent, so a hung one is restarted; any health problem is said in STATUS and the log once per
   * change ("unhealthy" when hung, "degraded" when alive but e.g. the store is failing).
   */
  private watchdogTick(): void {
    const health = this.options.health();
    const problem = health.healthy ? '' : `${health.alive ? 'degraded' : 'unhealthy'}: ${health.reasons.join('; ')}`;
    const changed = problem !== this.lastProblem;
    this.lastProblem = problem;
    if (changed && problem !== '') this.options.log(`hazmon: ${problem}${health.alive ? '' : '; systemd watchdog not pinged'}`);
    const status = changed ? `STATUS=${oneLine(problem || 'running')}\n` : '';
    const ping = health.alive ? 'WATCHDOG=1\n' : '';
    if (status || ping) this.send(status + ping);
  }

  private send(message: string): void {
    if (this.closed) return;
    if (this.fallback) return this.sendOnce(message);
    const forwarder = this.forwarder ?? this.startForwarder();
    // No pid: the spawn failed and 'error' is on its way; the message goes through the fallback then.
    if (forwarder.pid === undefined) return void this.unconfirmed.push(message);
    // One write of a few hundred bytes is atomic on a pipe: socat reads it whole and sends it as one datagram.
    forwarder.stdin?.write(message);
  }

  private startForwarder(): ChildProcess {
    const address = this.socket.startsWith('@') ? `ABSTRACT-SENDTO:${this.socket.slice(1)}` : `UNIX-SENDTO:${this.socket}`;
    const forwarder = spawn(this.options.socat ?? 'socat', ['-u', 'STDIN', address], { stdio: ['pipe', 'ignore', 'pipe'] });
    this.forwarder = forwarder;
    let stderr = '';
    forwarder.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    forwarder.stdin?.on('error', () => {}); // a dead forwarder is reported by 'error' / 'close' below
    forwarder.once('error', (error) => {
      this.forwarder = null;
      this.fallback = true;
      this.options.log(
        `hazmon: cannot start socat for systemd notifications (${(error as NodeJS.ErrnoException).code ?? error.message}); sending each through systemd-notify instead (install socat for reliable delivery)`,
      );
      const resend = this.unconfirmed;
      this.unconfirmed = [];
      for (const message of resend) this.sendOnce(message);
    });
    forwarder.once('close', (code) => {
      if (this.forwarder === forwarder) this.forwarder = null;
      if (!this.closed && forwarder.pid !== undefined && code !== null && code !== 0)
        this.options.log(`hazmon: socat forwarding systemd notifications to ${this.socket} exited ${code}: ${stderr.trim()}`);
    });
    return forwarder;
  }

  private sendOnce(message: string): void {
    const assignments = message.split('\n').filter((line) => line !== '');
    // --no-block: no BARRIER round trip, which only systemd itself answers.
    const child = spawn(this.options.systemdNotify ?? 'systemd-notify', ['--no-block', ...assignments], { stdio: 'ignore', env: { ...process.env, NOTIFY_SOCKET: this.socket } });
    child.once('error', (error) => this.options.log(`hazmon: systemd-notify ${assignments.join(' ')} failed: ${error.message}`));
  }
}

/** A STATUS value must stay on one line of the notify message. */
function oneLine(text: string): string {
  return text.replaceAll('\n', ' ');
}
