/** ISA-18.2 alarm life cycle of one alarm: states, shelving, suppression, out of service, latching and reset. */
import { PRIORITY_COLOUR, type Priority } from './config.ts';
import { type AlarmEvent, type AlarmKind, type AlarmMode, type AlarmState, type CommandResult, type EventSink, type OperatorCommand, refusal } from './events.ts';

export interface AlarmSnapshot {
  state: AlarmState;
  mode: AlarmMode;
  conditionActive: boolean;
  activeSince: number;
  shelvedUntil: number;
  designSuppressed: boolean;
}

const OK: CommandResult = { ok: true };
/** Every alarm's activationTimes until the tracker hands it its list: one frozen array, not one per alarm. */
const NOT_TAKEN = Object.freeze([]) as unknown as number[];

export class Alarm {
  readonly id: string;
  readonly pointId: string;
  readonly site: string;
  readonly rule: string;
  readonly kind: AlarmKind;
  readonly priority: Priority;
  readonly latch: boolean;
  /** PRIORITY_COLOUR of the priority, looked up once: a keyed load by the priority string on every event went megamorphic. */
  readonly colour: AlarmEvent['colour'];
  state: AlarmState = 'normal';
  mode: AlarmMode = 'in_service';
  conditionActive = false;
  activeSince = Number.NaN;
  shelvedUntil = Number.NaN;
  /** Suppressed by design because the point reports maintenance; lifted by the engine, not by a person. */
  designSuppressed = false;
  /**
   * The alarm-health tracker's list of this alarm's latest activation times, and the tracker state it belongs to
   * (AlarmHealthTracker.recordActivation): an activation finds it here rather than by id in a map of every alarm.
   */
  activationTimes: number[] = NOT_TAKEN;
  activationTimesOf: object | null = null;

  constructor(id: string, pointId: string, site: string, rule: string, kind: AlarmKind, priority: Priority, latch: boolean) {
    this.id = id;
    this.pointId = pointId;
    this.site = site;
    this.rule = rule;
    this.kind = kind;
    this.priority = priority;
    this.latch = latch;
    this.colour = PRIORITY_COLOUR[priority];
  }

  /** Condition from the rules; returns true when it went active (for actions and health figures). */
  setCondition(active: boolean, time: number, value: number, why: string, sink: EventSink, coverage?: number): boolean {
    if (active === this.conditionActive) return false;
    const fromState = this.state;
    this.conditionActive = active;
    if (active) {
      // Active again before anyone acknowledged it: the same annunciation, so it keeps its start (first out stays the
      // alarm that came first, a silenced alarm stays silenced).
      if (fromState === 'normal' || fromState === 'acknowledged_active' || Number.isNaN(this.activeSince)) this.activeSince = time;
      this.state = 'unacknowledged_active';
    } else if (!this.latch) {
      if (this.state === 'unacknowledged_active') this.state = 'unacknowledged_returned';
      else if (this.state === 'acknowledged_active') this.state = 'normal';
    }
    if (this.state === 'normal') this.activeSince = Number.NaN;
    this.emit(sink, time, fromState, this.mode, 'engine', why, value, coverage);
    return active;
  }

  /** Applies an operator command; refused commands change nothing. Reset of actions is handled by the engine. */
  command(command: OperatorCommand, sink: EventSink): CommandResult {
    const fromState = this.state;
    const fromMode = this.mode;
    const reason = command.reason?.trim() ?? '';
    const target = this.id;
    switch (command.kind) {
      case 'ack':
        if (this.state === 'unacknowledged_active') this.state = 'acknowledged_active';
        else if (this.state === 'unacknowledged_returned') this.state = 'normal';
        else return refusal('nothing_to_acknowledge', { target, state: this.state }, `alarm ${this.id} is ${this.state}: nothing to acknowledge`);
        break;
      case 'reset':
        if (!this.latch) return refusal('not_latched', { target }, `alarm ${this.id} is not latched: it returns to normal by itself`);
        if (this.conditionActive) return refusal('condition_active', { target, active: this.id }, `alarm ${this.id}: condition still active, reset refused`);
        if (this.state === 'normal') return refusal('nothing_to_reset', { target }, `alarm ${this.id} is normal: nothing to reset`);
        this.state = 'normal';
        break;
      case 'shelve':
        if (reason === '') return refusal('reason_required', { target, command: command.kind }, `shelving ${this.id} needs a reason`);
        if (command.until === undefined || !(command.until > command.time)) {
          return refusal('expiry_not_after_now', { target, until: String(command.until) }, `shelving ${this.id} needs an expiry after ${command.time}, got ${String(command.until)}`);
        }
        if (this.mode === 'out_of_service' || this.mode === 'suppressed')
          return refusal('mode_forbids', { target, mode: this.mode, command: command.kind }, `alarm ${this.id} is ${this.mode}: cannot shelve`);
        this.mode = 'shelved';
        this.shelvedUntil = command.until;
        break;
      case 'unshelve':
        if (this.mode !== 'shelved') return refusal('not_in_mode', { target, mode: this.mode, expected: 'shelved' }, `alarm ${this.id} is ${this.mode}, not shelved`);
        this.mode = 'in_service';
        this.shelvedUntil = Number.NaN;
        break;
      case 'suppress':
      case 'remove_from_service': {
        if (reason === '') return refusal('reason_required', { target, command: command.kind }, `${command.kind} of ${this.id} needs a reason`);
        const to = command.kind === 'suppress' ? 'suppressed' : 'out_of_service';
        if (this.mode === to) return refusal('already_in_mode', { target, mode: to }, `alarm ${this.id} is already ${to}`);
        if (this.mode === 'out_of_service') return refusal('mode_forbids', { target, mode: this.mode, command: command.kind }, `alarm ${this.id} is out of service: return it to service first`);
        this.mode = to;
        this.shelvedUntil = Number.NaN;
        break;
      }
      case 'unsuppress':
      case 'return_to_service': {
        const from = command.kind === 'unsuppress' ? 'suppressed' : 'out_of_service';
        if (this.mode !== from) return refusal('not_in_mode', { target, mode: this.mode, expected: from }, `alarm ${this.id} is ${this.mode}, not ${from}`);
        this.mode = this.designSuppressed ? 'suppressed' : 'in_service';
        break;
      }
    }
    if (this.state === 'normal' && !this.conditionActive) this.activeSince = Number.NaN;
    this.emit(sink, command.time, fromState, fromMode, command.person, reason, null);
    return OK;
  }

  /**
   * Takes back an accepted command whose event could not be stored, so that memory agrees with the journal a restart
   * reads. An acknowledgement is undone on whatever state the alarm reached since (it may have cleared meanwhile); a
   * reset only while nothing raised the alarm again; a mode change gives back the mode before it.
   */
  revert(kind: OperatorCommand['kind'], before: AlarmSnapshot, time: number, why: string, sink: EventSink): void {
    const fromState = this.state;
    const fromMode = this.mode;
    if (kind === 'ack') {
      if (this.state === 'acknowledged_active') this.state = 'unacknowledged_active';
      else if (this.state === 'normal' && !this.conditionActive) this.state = 'unacknowledged_returned';
    } else if (kind === 'reset') {
      if (this.state === 'normal' && !this.conditionActive) this.state = before.state;
    } else {
      this.mode = before.mode;
      this.shelvedUntil = before.shelvedUntil;
    }
    if (this.state === fromState && this.mode === fromMode) return;
    if (fromState === 'normal') this.activeSince = before.activeSince;
    this.emit(sink, time, fromState, fromMode, 'engine', why, null);
  }

  /** Time passing: a shelf that expired returns the alarm to service. */
  expireShelf(now: number, sink: EventSink): void {
    if (this.mode !== 'shelved' || now < this.shelvedUntil) return;
    this.mode = 'in_service';
    this.shelvedUntil = Number.NaN;
    this.emit(sink, now, this.state, 'shelved', 'engine', 'shelve expired', null);
  }

  /** Suppression by design while the point is in maintenance (set and lifted by the engine). */
  setDesignSuppression(on: boolean, time: number, sink: EventSink): void {
    if (on === this.designSuppressed) return;
    this.designSuppressed = on;
    const fromMode = this.mode;
    if (on && (this.mode === 'in_service' || this.mode === 'shelved')) this.mode = 'suppressed';
    else if (!on && this.mode === 'suppressed') this.mode = 'in_service';
    else return;
    this.shelvedUntil = Number.NaN;
    this.emit(sink, time, this.state, fromMode, 'engine', on ? 'point in maintenance' : 'point left maintenance', null);
  }

  snapshot(): AlarmSnapshot {
    return {
      state: this.state,
      mode: this.mode,
      conditionActive: this.conditionActive,
      activeSince: this.activeSince,
      shelvedUntil: this.shelvedUntil,
      designSuppressed: this.designSuppressed,
    };
  }

  restore(snapshot: AlarmSnapshot): void {
    this.state = snapshot.state;
    this.mode = snapshot.mode;
    this.conditionActive = snapshot.conditionActive;
    this.activeSince = snapshot.activeSince ?? Number.NaN;
    this.shelvedUntil = snapshot.shelvedUntil ?? Number.NaN;
    this.designSuppressed = snapshot.designSuppressed;
  }

  private emit(sink: EventSink, time: number, fromState: AlarmState, fromMode: AlarmMode, who: string, why: string, value: number | null, coverage?: number): void {
    // One literal per case rather than a spread of the optional field: a spread makes V8 build the object key by key.
    const event: AlarmEvent = {
      type: 'alarm',
      time,
      alarmId: this.id,
      pointId: this.pointId,
      site: this.site,
      rule: this.rule,
      kind: this.kind,
      priority: this.priority,
      colour: this.colour,
      fromState,
      toState: this.state,
      fromMode,
      toMode: this.mode,
      conditionActive: this.conditionActive,
      latched: this.latch,
      value,
      who,
      why,
      annunciated: this.mode === 'in_service',
      activeSince: this.activeSince,
      shelvedUntil: this.shelvedUntil,
    };
    sink(coverage === undefined ? event : { ...event, coverage });
  }
}
