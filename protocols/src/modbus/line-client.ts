/**
 * What a Modbus line drives under it: a client per connection (TCP or serial). A serial client takes one request at a
 * time; a TCP client as many as the line sends before their answers come (the MBAP transaction id pairs them).
 */
import type { QualityReasonCode } from '../reading.ts';

/** One request: a read (functions 1-4) or a write (5, 6, 15, 16) with its payload. */
export interface ClientRequest {
  readonly unitId: number;
  /** 1-4 read; 5, 6, 15, 16 write. */
  readonly functionCode: 1 | 2 | 3 | 4 | 5 | 6 | 15 | 16;
  readonly address: number;
  readonly quantity: number;
  /** Write payload: a coil state, one register, coil states or register words. */
  readonly payload?: boolean | number | readonly boolean[] | readonly number[];
}

/** A request that failed: its reason code, what happened, and the exception code when the device refused it. */
export interface ClientFailure {
  readonly code: QualityReasonCode;
  readonly detail: string;
  readonly exceptionCode?: number;
}

/**
 * How a client reports each request it was sent, once: its failure, or its answer's register bytes (functions 3 and 4;
 * the client's own buffer, valid during the call only) or bits (1 and 2); a write's answer has neither. `request` is
 * the object given to `send`.
 */
export type ClientAnswered = (failure: ClientFailure | null, registers: Buffer | null, bits: readonly boolean[] | null, request: ClientRequest) => void;

/** One connection of a line; the line makes a new one for every (re)connect. */
export interface LineClient {
  open(): Promise<void>;
  /**
   * Sends a request; its outcome comes to the client's ClientAnswered. A serial client: only once the previous one was
   * reported; a TCP client: while no more than the line's `maxInFlight` wait.
   */
  send(request: ClientRequest): void;
  /** The requests sent until `uncork` go out in one write (TCP; a serial client sends one at a time and ignores it). */
  cork(): void;
  uncork(): void;
  close(): Promise<void>;
  destroy(): void;
  /** The connection is gone (closed by the peer, a socket or port error): why. */
  onLost(listener: (why: string) => void): void;
}

const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'slave device failure',
  5: 'acknowledge',
  6: 'slave device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target failed to respond',
};

/** A Modbus exception as a failure: `exception 6: slave device busy`. */
export function exceptionFailure(code: number): ClientFailure {
  return { code: 'exception', detail: `exception ${code}: ${EXCEPTION_NAMES[code] ?? 'unknown exception'}`, exceptionCode: code };
}
