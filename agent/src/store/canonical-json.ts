/** Canonical JSON (sorted keys, no whitespace) so a hash over it is the same wherever it is recomputed. */
import { quote } from '@hazmon/errors';
import { StoreError } from './errors.ts';

export function canonicalJson(value: unknown, where: string): string {
  return JSON.stringify(canonicalize(value, where));
}

function canonicalize(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StoreError('HAZMON_STORE_BAD_EVENT', `${where}: ${quote(value)} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => canonicalize(item, `${where}[${i}]`));
  if (typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = canonicalize(item, `${where}.${key}`);
    }
    return sorted;
  }
  throw new StoreError('HAZMON_STORE_BAD_EVENT', `${where}: ${quote(String(value))} (${typeof value}) cannot be stored as JSON`);
}
