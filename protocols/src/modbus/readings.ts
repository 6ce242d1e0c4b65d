/** Turns responses and failures of planned requests into Readings, keeping each device's status-flag state. */
import type { Quality, QualityReason, QualityReasonCode, Reading } from '../reading.ts';
import type { ReadingRowBuffer } from '../reading-rows.ts';
import { isIdentityScaling, type RegisterDecoder, type Scaling } from './decode.ts';
import type { ReadyDevice, ReadyPoint } from './device.ts';
import { CATEGORY_BIT } from './device.ts';
import { NE43, ne43Quality } from './ne43.ts';
import type { PlannedRequest } from './plan.ts';
import { registerLabel } from './point.ts';

const NO_WORD = -1;

/** Quality and reason code a status category gives the measurements it governs, worst first. */
const CATEGORY_EFFECT: readonly { bit: number; quality: Quality; code: QualityReasonCode; label: string }[] = [
  { bit: CATEGORY_BIT.fault, quality: 'bad', code: 'device_fault', label: 'fault' },
  { bit: CATEGORY_BIT.out_of_range, quality: 'bad', code: 'signal_out_of_range', label: 'out of range' },
  { bit: CATEGORY_BIT.warm_up, quality: 'uncertain', code: 'warm_up', label: 'warm-up' },
  { bit: CATEGORY_BIT.maintenance, quality: 'uncertain', code: 'maintenance', label: 'maintenance' },
];

/** Per-device decoding state: the last status word of each status point, its flags and the reason it gives. */
export class DeviceReadings {
  private readonly statusWord: Int32Array;
  private readonly statusEffect: Int8Array;
  private readonly statusFlags: (Readonly<Record<string, boolean>> | undefined)[];
  private readonly statusReason: (QualityReason | undefined)[];
  /** Unit text last read from each unit-code point (undefined until read, or for an unknown code). */
  private readonly unitText: (string | undefined)[];
  /** Per request: its points as arrays when they are all plain numbers, else null (plainRequest). */
  private readonly plainRequests = new Map<PlannedRequest, PlainRequest | null>();

  constructor(readonly device: ReadyDevice) {
    const count = device.points.length;
    this.statusWord = new Int32Array(count).fill(NO_WORD);
    this.statusEffect = new Int8Array(count).fill(-1);
    this.statusFlags = new Array(count).fill(undefined);
    this.statusReason = new Array(count).fill(undefined);
    this.unitText = new Array(count).fill(undefined);
  }

  /**
   * Appends one row per point of a successful request, with the consumer's index of each device point (`pointIndex`);
   * registers hold the response bytes, bits the coil states.
   */
  fromResponse(request: PlannedRequest, registers: Buffer | null, bits: readonly boolean[] | null, pointIndex: Int32Array, out: ReadingRowBuffer): void {
    if (registers !== null) {
      const plain = this.plainRequest(request);
      if (plain !== null && registers.length >= plain.byteLength) return this.plainValues(plain, registers, pointIndex, out);
    }
    const receiveTime = out.receiveTime;
    const { points, polled } = this.device;
    const members = request.members;
    // Status words first, so measurements of this very response get this cycle's flags.
    for (let m = 0; m < members.length; m++) {
      const index = polled[members[m]!]!;
      const point = points[index]!;
      if (!registers) continue;
      if (point.spec.role === 'status') this.updateStatus(index, point, point.decode!(registers, request.offsets[m]! * 2));
      if (point.spec.units) this.unitText[index] = point.spec.units[point.decode!(registers, request.offsets[m]! * 2)];
    }
    for (let m = 0; m < members.length; m++) {
      const index = polled[members[m]!]!;
      const point = points[index]!;
      const offset = request.offsets[m]!;
      if (bits) {
        out.addReading(pointIndex[index]!, this.reading(point, bits[offset] === true, receiveTime));
      } else if (registers) {
        this.addRegister(index, point, point.decode!(registers, offset * 2), pointIndex[index]!, out);
      }
    }
  }

  /**
   * `fromResponse` for a request whose every point is a plain number (no status word, unit code, NE43 loop or
   * governing status point): each row as `addRegister` would make it, without its checks per value, from arrays built
   * once per request (the agent bench's 200k values a second spent ~11 % of the agent's CPU in the general path, then
   * ~8 % here while each value was looked up through its point object). `registers` holds every point's bytes.
   */
  private plainValues(plain: PlainRequest, registers: Buffer, pointIndex: Int32Array, out: ReadingRowBuffer): void {
    const consumers = plain.consumersFor(pointIndex);
    const { byteOffsets, kinds, decoders, scalings } = plain;
    const count = byteOffsets.length;
    // The rows' ids, units, source times and flags once for the run: per row only its point and value.
    const first = out.addPlainRun(count, plain.ids, plain.units);
    const point = out.point;
    const value = out.value;
    for (let m = 0; m < count; m++) {
      const at = byteOffsets[m]!;
      const kind = kinds[m]!;
      // The big-endian int16 / uint16 of `Buffer.readInt16BE` / `readUInt16BE`, read here without the call.
      const raw = kind === INT16 ? (((registers[at]! << 8) | registers[at + 1]!) << 16) >> 16 : kind === UINT16 ? (registers[at]! << 8) | registers[at + 1]! : decoders[m]!(registers, at);
      point[first + m] = consumers[m]!;
      // raw - raw is 0 for every finite number, NaN for NaN and +-Infinity.
      if (raw - raw === 0) {
        const scaling = scalings[m];
        value[first + m] = scaling === null ? raw : scaling!.toEngineering(raw);
      } else {
        out.setReading(first + m, consumers[m]!, this.notFinite(this.device.points[plain.indexes[m]!]!, raw, out.receiveTime));
      }
    }
  }

  /** The request's points as a PlainRequest when every one is a plain number (see plainValues), else null; worked out once per request. */
  private plainRequest(request: PlannedRequest): PlainRequest | null {
    let plain = this.plainRequests.get(request);
    if (plain === undefined) {
      const { points, polled } = this.device;
      const indexes = request.members.map((member) => polled[member]!);
      plain = indexes.every((index) => isPlainNumber(points[index]!)) ? new PlainRequest(points, indexes, request.offsets) : null;
      this.plainRequests.set(request, plain);
    }
    return plain;
  }

  /** Appends a bad row for every point of a failed request: silence is never all-clear. */
  fromFailure(request: PlannedRequest, reason: QualityReason, pointIndex: Int32Array, out: ReadingRowBuffer): void {
    const { points, polled } = this.device;
    const receiveTime = out.receiveTime;
    for (const member of request.members) {
      const index = polled[member]!;
      const point = points[index]!;
      out.addReading(pointIndex[index]!, { pointId: point.readingId, value: null, unit: this.unitOf(point), sourceTime: null, receiveTime, quality: 'bad', reason });
    }
  }

  /** The flags last decoded from a status point (undefined before its first good read). */
  flagsOf(pointId: string): Readonly<Record<string, boolean>> | undefined {
    const index = this.device.points.findIndex((point) => point.spec.id === pointId);
    return index < 0 ? undefined : this.statusFlags[index];
  }

  /**
   * Appends a register point's row: a plain row (no object) for a good number, the Reading for anything else
   * (a bit, a status word with its flags, a value that is not good).
   */
  private addRegister(index: number, point: ReadyPoint, raw: number, consumer: number, out: ReadingRowBuffer): void {
    const { spec } = point;
    const receiveTime = out.receiveTime;
    if (spec.type === 'bit') return out.addReading(consumer, this.reading(point, raw === 1, receiveTime));
    if (spec.role === 'status') {
      return out.addReading(consumer, { pointId: point.readingId, value: raw, unit: this.unitOf(point), sourceTime: null, receiveTime, quality: 'good', flags: this.statusFlags[index]! });
    }
    if (!Number.isFinite(raw)) return out.addReading(consumer, this.notFinite(point, raw, receiveTime));
    let value = point.scaling.toEngineering(raw);
    let own: Quality = 'good';
    const milliamps = value;
    if (point.loop) {
      own = ne43Quality(milliamps);
      value = point.loop.toEngineering(milliamps);
      if (own === 'bad') {
        const band = milliamps >= NE43.faultHighMa ? `>= ${NE43.faultHighMa} mA` : `<= ${NE43.faultLowMa} mA`;
        const message = `${this.where(point)}: loop current ${milliamps.toFixed(2)} mA in the NE43 fault band ${band}`;
        return out.addReading(consumer, this.flagged(point, null, receiveTime, 'bad', { code: 'signal_out_of_range', message }));
      }
    }
    const governing = this.worstGoverning(point);
    if (governing >= 0) {
      const effect = CATEGORY_EFFECT[this.statusEffect[governing]!]!;
      return out.addReading(consumer, this.flagged(point, value, receiveTime, effect.quality, this.statusReason[governing]!));
    }
    if (own === 'uncertain') {
      const message = `${this.where(point)}: loop current ${milliamps.toFixed(2)} mA outside the NE43 valid band ${NE43.validLowMa}..${NE43.validHighMa} mA, not in a fault band`;
      return out.addReading(consumer, this.flagged(point, value, receiveTime, 'uncertain', { code: 'signal_out_of_range', message }));
    }
    out.addValue(consumer, point.readingId, this.unitOf(point), value);
  }

  /** A register that decodes to no finite number (a float's NaN or infinity): bad, naming the register. */
  private notFinite(point: ReadyPoint, raw: number, receiveTime: number): Reading {
    return this.flagged(point, null, receiveTime, 'bad', { code: 'decode', message: `${this.where(point)}: not a finite number (${raw})` });
  }

  private reading(point: ReadyPoint, value: number | boolean, receiveTime: number): Reading {
    return { pointId: point.readingId, value, unit: this.unitOf(point), sourceTime: null, receiveTime, quality: 'good' };
  }

  /** A reading that is not good, with its reason. */
  private flagged(point: ReadyPoint, value: number | null, receiveTime: number, quality: Quality, reason: QualityReason): Reading {
    return { pointId: point.readingId, value, unit: this.unitOf(point), sourceTime: null, receiveTime, quality, reason };
  }

  /** The device's own unit when it reports one (a ppm-configured transmitter must not read as %LEL), else the profile's. */
  private unitOf(point: ReadyPoint): string {
    return point.unitFrom < 0 ? point.spec.unit : (this.unitText[point.unitFrom] ?? point.spec.unit);
  }

  private where(point: ReadyPoint): string {
    return `${this.device.label} ${point.spec.id} ${registerLabel(point.spec.table, point.spec.address)}`;
  }

  /** Index of the governing status point with the worst effect, or -1 when none is raising anything. */
  private worstGoverning(point: ReadyPoint): number {
    let worst = -1;
    let worstEffect = CATEGORY_EFFECT.length;
    for (const index of point.governedBy) {
      const effect = this.statusEffect[index]!;
      if (effect >= 0 && effect < worstEffect) {
        worst = index;
        worstEffect = effect;
      }
    }
    return worst;
  }

  /** Recomputes flags and reason only when the word changes; unchanged words reuse the same frozen objects. */
  private updateStatus(index: number, point: ReadyPoint, word: number): void {
    if (this.statusWord[index] === word) return;
    this.statusWord[index] = word;
    const flags: Record<string, boolean> = {};
    let categories = 0;
    const raisedBy: string[] = [];
    for (const flag of point.flags) {
      const field = (word >>> flag.shift) & flag.mask;
      const set = field >= flag.low && field <= flag.high;
      flags[flag.name] = set;
      if (set && flag.categories !== 0) {
        categories |= flag.categories;
        raisedBy.push(flag.name);
      }
    }
    this.statusFlags[index] = Object.freeze(flags);
    const effect = CATEGORY_EFFECT.findIndex((candidate) => (categories & candidate.bit) !== 0);
    this.statusEffect[index] = effect;
    if (effect < 0) {
      this.statusReason[index] = undefined;
      return;
    }
    const { code, label } = CATEGORY_EFFECT[effect]!;
    const hex = `0x${(word & 0xffff).toString(16).padStart(4, '0')}`;
    const message = `${this.where(point)} = ${hex}: ${label} (${raisedBy.join(', ')})`;
    this.statusReason[index] = Object.freeze({ code, message });
  }
}

/** How plainValues reads a point's raw value: inline for the common big-endian 16-bit types, else the point's decoder. */
const INT16 = 0;
const UINT16 = 1;
const DECODER = 2;

/** A plain request's points as arrays in member order, built once: what plainValues reads per value. */
class PlainRequest {
  /** The device point index of each member. */
  readonly indexes: Int32Array;
  readonly byteOffsets: Int32Array;
  readonly kinds: Uint8Array;
  readonly decoders: RegisterDecoder[];
  /** Null where the scaling is the identity. */
  readonly scalings: (Scaling | null)[];
  readonly ids: string[];
  readonly units: string[];
  /** Bytes of the answer the members span: an answer shorter than this goes the general path (which throws as before). */
  readonly byteLength: number;
  private consumers = new Int32Array(0);
  private consumersOf: Int32Array | null = null;

  constructor(points: readonly ReadyPoint[], indexes: readonly number[], offsets: readonly number[]) {
    const members = indexes.map((index) => points[index]!);
    this.indexes = Int32Array.from(indexes);
    this.byteOffsets = Int32Array.from(offsets, (offset) => offset * 2);
    this.kinds = Uint8Array.from(members, ({ spec }) => (spec.order !== 'ABCD' ? DECODER : spec.type === 'int16' ? INT16 : spec.type === 'uint16' ? UINT16 : DECODER));
    this.decoders = members.map((point) => point.decode!);
    this.scalings = members.map(({ scaling }) => (isIdentityScaling(scaling) ? null : scaling));
    this.ids = members.map((point) => point.readingId);
    this.units = members.map((point) => point.spec.unit);
    this.byteLength = members.reduce((length, point, m) => Math.max(length, (offsets[m]! + point.width) * 2), 0);
  }

  /** The consumer's index of each member (`pointIndex`: the consumer's index of each device point), kept while `pointIndex` is the same array. */
  consumersFor(pointIndex: Int32Array): Int32Array {
    if (this.consumersOf !== pointIndex) {
      this.consumers = this.indexes.map((index) => pointIndex[index]!);
      this.consumersOf = pointIndex;
    }
    return this.consumers;
  }
}

/** A register point whose good reading is its scaled number alone: no bit, status word, unit code, NE43 loop or governing status point. */
function isPlainNumber(point: ReadyPoint): boolean {
  const { spec } = point;
  return point.decode !== null && spec.type !== 'bit' && spec.role !== 'status' && !spec.units && point.loop === null && point.governedBy.length === 0 && point.unitFrom < 0;
}
