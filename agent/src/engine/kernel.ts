/** Per-reading rule evaluation compiled to straight-line JavaScript, one function per shape of a point's rules. */
import type { KernelLayout, ReadingBatch } from './layout.ts';

/**
 * Why generated code: the work a good reading does (step the point's windows, compare limits, aggregates and rates
 * with their quiet intervals, check stuck) is a handful of typed-array reads and writes. Written once for every
 * shape, it pays for the generality on each reading (a loop over rule slots, a switch on the aggregate, loads of
 * each window's kind and each rule's window); points with the same shape (the same windows, rules and aggregates,
 * whatever their numbers) share one function with those decisions made at compile time, so a reading runs only the
 * loads and comparisons its rules need. Only structure goes into the source (counts, flags, offsets): every number
 * of the config (limits, window lengths, ring sizes) stays in the engine's typed arrays and is read at run time.
 */

/** One window of a point, as the kernel sees it. */
export interface KernelStore {
  /** Time-weighted (keeps held values): always stepped and read through its PaneWindow methods. */
  readonly heldValues: boolean;
  /** Panes longer than 1 ms (PANED_LAYOUT entries); otherwise raw (time, value) entries. */
  readonly paned: boolean;
  /** Numbers per entry, and the entry offsets of the suffix maximum / minimum (-1 when not kept; see window.ts H_BOUNDARY). */
  readonly stride: number;
  readonly suffixMax: number;
  readonly suffixMin: number;
}

/** A window or rate rule: its condition's offset from the point's first window or rate condition, its window (index into `stores`), what it reads. */
export interface KernelRule {
  readonly condition: number;
  readonly store: number;
  readonly aggregate: number;
}

/** The shape of one point's value rules; points with equal shapes share a kernel. */
export interface KernelShape {
  readonly stores: readonly KernelStore[];
  /** Condition offsets of the limit rules from the point's first limit condition, in slot order. */
  readonly limits: readonly number[];
  /** Window and rate rules, in slot order after the limits. */
  readonly rules: readonly KernelRule[];
  readonly stuck: boolean;
}

/** What a kernel reads and calls: the engine's arrays and the rare paths (a condition to step, a ring to grow). */
export interface KernelEnv {
  readonly scalars: Float64Array;
  readonly ranges: Int32Array;
  /** Window headers (WINDOW_HEADER) and entries, engine-wide. */
  readonly headers: Float64Array;
  readonly panes: Float64Array;
  readonly quiet: Float64Array;
  readonly storeLayout: Int32Array;
  /** Per window: pane length in ms (the window's length is in its header). */
  readonly storePaneMs: Float64Array;
  readonly stores: readonly {
    addFrom(source: Float64Array, at: number, good: boolean): void;
    ruleValueInto(kind: number, io: Float64Array): void;
    recompute(): void;
    emptied(): void;
  }[];
  /** ruleValueInto's io: [result, time, value]. */
  readonly ruleInput: Float64Array;
  /**
   * Steps rule slot k of point `index` with the value in ruleInput[0] (it left its quiet interval); raises its alarm
   * if it changed. The value comes through the array, not as an argument: V8 boxes a double passed to a call it does
   * not inline, and the optimized kernel made that box (a heap allocation) on every reading, before the quiet check,
   * not only when the call was taken.
   */
  stepRule(index: number, k: number): void;
  refreshLimitBand(index: number): void;
  /** Stuck detection's full step (a reference to restart, or the duration to check). */
  detectStuck(index: number): void;
  /** Window k's ring is full: its own add() grows it (it moves to private arrays), then the engine notes where it went. */
  growStore(k: number, at: number): void;
}

export type ValueKernel = (index: number) => void;

/** A stable key for a shape: equal keys, equal kernels. */
export function kernelShapeKey(shape: KernelShape): string {
  return JSON.stringify(shape);
}

/** Kernel sources by layout and shape key, for the life of the process. */
const sources = new WeakMap<KernelLayout, Map<string, string>>();
let compilations = 0;

/**
 * The kernel of one shape for one engine; call the result with the engine's arrays to get the per-reading function
 * (the full path's, and the batch loop's for shapes it does not inline).
 * Every call compiles a function of its own (the source ends with a comment numbering the compilation, so that V8's
 * cache of dynamic functions does not hand back an earlier one): V8 optimizes a closure for the arrays it closes
 * over (their addresses and lengths as constants) only while it is the one closure of its function. When a second
 * engine (a reload, a replay) shared the function, every kernel of both ran generic code, ~30 % slower.
 */
export function compileValueKernel(shape: KernelShape, layout: KernelLayout): (env: KernelEnv) => ValueKernel {
  let byShape = sources.get(layout);
  if (byShape === undefined) sources.set(layout, (byShape = new Map()));
  const key = kernelShapeKey(shape);
  let source = byShape.get(key);
  if (source === undefined) {
    source = kernelSource(shape, layout);
    byShape.set(key, source);
  }
  compilations += 1;
  return new Function('env', `${source}\n// compilation ${compilations}`) as (env: KernelEnv) => ValueKernel;
}

/** The generated factories' first line: the engine's arrays in locals of the closure (constants to V8). */
const ENV_BINDINGS = 'const { scalars: s, ranges, headers, panes, quiet, storeLayout: layout, storePaneMs: paneMs, stores, ruleInput } = env;';

/** The source of a kernel factory: `env` in, the per-reading function out. */
function kernelSource(shape: KernelShape, layout: KernelLayout): string {
  assertStructureOnly(shape);
  const L = layout;
  return [
    ENV_BINDINGS,
    'return function evaluateValueRules(index) {',
    `  const p = index * ${L.pointFields};`,
    `  const t = s[p + ${L.lastTime}];`,
    `  const v = s[p + ${L.lastValue}];`,
    ...valueRuleStatements(shape, L),
    '};',
  ].join('\n');
}

/** A kernel's work for the reading of point `index` whose record is at `p`, time `t`, value `v` (already stored there). */
function valueRuleStatements(shape: KernelShape, L: KernelLayout): string[] {
  const lines: string[] = [
    `  const r = index * ${L.ruleFields};`,
    `  const storeBase = ranges[r + ${L.ruleStores}];`,
    `  const slotBase = ranges[r + ${L.ruleLimits}];`,
    `  const conditionBase = ranges[r + ${L.ruleConditions}];`,
  ];
  shape.stores.forEach((store, j) => lines.push(...storeStep(store, j, L)));
  if (shape.limits.length > 0) {
    lines.push(`  if (!(v > s[p + ${L.limitQuietLow}] && v < s[p + ${L.limitQuietHigh}])) {`);
    lines.push(`    const limitBase = ranges[r + ${L.ruleLimitConditions}];`);
    shape.limits.forEach((condition, j) => lines.push(`    ${quietCheck('limitBase', condition, `slotBase + ${j}`, 'v', L)}`));
    lines.push('    env.refreshLimitBand(index);', '  }');
  }
  shape.rules.forEach((rule, i) => {
    const store = shape.stores[rule.store]!;
    const k = `k${rule.store}`;
    const h = `h${rule.store}`;
    const viaMethod = [`ruleInput[1] = t;`, `ruleInput[2] = v;`, `stores[${k}].ruleValueInto(${rule.aggregate}, ruleInput);`, `x = ruleInput[0];`].join(' ');
    lines.push('  {', '    let x;');
    if (store.heldValues) {
      lines.push(`    ${viaMethod}`);
    } else {
      lines.push(`    if (${h} < 0) { ${viaMethod} }`, `    else { ${inPlaceRuleValue(rule.aggregate, store, rule.store, L)} }`);
    }
    lines.push(`    ${quietCheck('conditionBase', rule.condition, `slotBase + ${shape.limits.length + i}`, 'x', L)}`, '  }');
  });
  if (shape.stuck) {
    // The common case, a value that moved, only moves the reference; everything else takes the full step.
    lines.push(
      `  if (Math.abs(v - s[p + ${L.stuckRefValue}]) > s[p + ${L.stuckEpsilon}] && s[p + ${L.stuckActive}] === 0) {`,
      `    s[p + ${L.stuckRefValue}] = v;`,
      `    s[p + ${L.stuckRefTime}] = t;`,
      '  } else {',
      '    env.detectStuck(index);',
      '  }',
    );
  }
  return lines;
}

/**
 * Takes the batch's readings from `from` on while they are common and returns the index of the first it did not
 * take (batch.length when it took them all); counters.readings counts each taken one.
 */
export type BatchLoop = (batch: ReadingBatch, from: number, counters: { readings: number }) => number;

/** A kernel whose statements the batch loop runs inline: its index in the engine's kernels, and its shape. */
export interface InlinedKernel {
  readonly kernel: number;
  readonly shape: KernelShape;
}

/**
 * The batch loop of one engine: takes readings while they are common (good, finite, newer than the point's latest,
 * no reason or flag, on a point whose flags word is 0: the engine's processBatch leaves every other reading to its
 * full path), stores them in the point record and runs the point's kernel statements inline for the given kernels
 * (a call to the kernel for any other). Inline, a reading spares the call, the kernel's frame and the loop's
 * re-checks of its arrays after each call: ~60 of ~775 instructions per reading with the full rule set. The engine
 * inlines only its commonest shapes (usually one or a few), so the function stays small enough for V8 to optimize.
 */
export function compileBatchLoop(
  inlined: readonly InlinedKernel[],
  kernelCount: number,
  layout: KernelLayout,
): (env: KernelEnv, pointKernel: Int32Array, kernels: readonly ValueKernel[]) => BatchLoop {
  inlined.forEach(({ kernel, shape }) => {
    assertStructureOnly(shape);
    if (!Number.isSafeInteger(kernel)) throw new RangeError(`batch loop: kernel ${JSON.stringify(kernel)} is not an integer`);
  });
  const L = layout;
  const lines = [
    ENV_BINDINGS,
    'const pointCount = pointKernel.length;',
    'return function batchLoop(batch, from, counters) {',
    '  const { point, time, value, quality, reason, flags, length } = batch;',
    '  let i = from;',
    '  for (; i < length; i += 1) {',
    '    const index = point[i];',
    '    const t = time[i];',
    '    const v = value[i];',
    '    const why = reason === undefined ? 0 : reason[i];',
    '    const flagBits = flags === undefined ? 0 : flags[i];',
    // x - x is 0 for every finite number and NaN for NaN and +-Infinity.
    `    if (!(index >>> 0 === index && index < pointCount && quality[i] === ${L.good} && (why | flagBits) === 0 && t - t === 0 && v - v === 0)) break;`,
    `    const p = index * ${L.pointFields};`,
    `    if (!(t > s[p + ${L.lastTime}] && s[p + ${L.flags}] === 0)) break;`,
    '    counters.readings += 1;',
    `    s[p + ${L.lastTime}] = t;`,
    `    s[p + ${L.lastValue}] = v;`,
    `    s[p + ${L.lastQuality}] = ${L.good};`,
    `    s[p + ${L.lastGoodTime}] = t;`,
  ];
  const statementsOf = ({ shape }: InlinedKernel) => valueRuleStatements(shape, L).map((line) => `    ${line}`);
  if (kernelCount === 1 && inlined.length === 1) {
    // A single shape, the usual case: no switch at all.
    lines.push('    {', ...statementsOf(inlined[0]!), '    }');
  } else if (inlined.length === kernelCount) {
    // Every kernel inline: the last one needs no test.
    lines.push('    switch (pointKernel[index]) {');
    inlined.forEach((kernel, n) => {
      lines.push(n < inlined.length - 1 ? `    case ${kernel.kernel}: {` : '    default: {', ...statementsOf(kernel), '      break;', '    }');
    });
    lines.push('    }');
  } else {
    lines.push('    const kernel = pointKernel[index];', '    switch (kernel) {');
    inlined.forEach((kernel) => lines.push(`    case ${kernel.kernel}: {`, ...statementsOf(kernel), '      break;', '    }'));
    lines.push('    default:', '      kernels[kernel](index);', '    }');
  }
  lines.push('  }', '  return i;', '};');
  compilations += 1;
  return new Function('env', 'pointKernel', 'kernels', `${lines.join('\n')}\n// compilation ${compilations}`) as (
    env: KernelEnv,
    pointKernel: Int32Array,
    kernels: readonly ValueKernel[],
  ) => BatchLoop;
}

/** Only integers and booleans may reach the generated source: a shape carries structure, never config text. */
function assertStructureOnly(shape: KernelShape): void {
  const check = (value: unknown, where: string): void => {
    if (typeof value === 'boolean' || Number.isSafeInteger(value)) return;
    if (Array.isArray(value)) value.forEach((item, i) => check(item, `${where}[${i}]`));
    else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) check(item, `${where}.${key}`);
    else throw new RangeError(`kernel shape: ${where} is ${JSON.stringify(value)}, not an integer or a boolean`);
  };
  check(shape, 'shape');
}

/**
 * Where entry `seq` of a window's ring sits (PaneWindow.offsetOf, slotOrder): a raw window's entries newest first in
 * memory, so that a flip, which walks the ring from the newest entry back, reads it upwards (at 10k points its
 * loads missed the cache downwards; the walk's share of the batch loop's time fell from ~11 % to ~5 %); a paned
 * window's oldest first.
 */
function ringEntry(store: KernelStore, entries: string, seq: string, mask: string): string {
  return `${entries} + (${store.paned ? '' : '~'}(${seq}) & ${mask}) * ${store.stride}`;
}

/** `if x leaves the quiet interval of the condition at base + offset, step the slot`. */
function quietCheck(base: string, offset: number, slot: string, x: string, L: KernelLayout): string {
  return `{ const q = (${base} + ${offset}) * ${L.quietFields}; if (!(${x} > quiet[q] && ${x} < quiet[q + 1])) { ruleInput[0] = ${x}; env.stepRule(index, ${slot}); } }`;
}

/**
 * The value a rule compares, from a window stepped in place: its header is at h<j>, and the step left its ring
 * positions, count, sum, entries and mask in head<j>, tail<j>, count<j>, sum<j>, entries<j>, mask<j>. The step has
 * just added the reading, so the window is not empty (tail > head, count >= 1): no case for an empty window, whose
 * `NaN` would be a load of a global (the kernel is a plain function) that V8 leaves untyped, and the value then a
 * boxed number, allocated on every reading.
 */
function inPlaceRuleValue(aggregate: number, store: KernelStore, j: number, L: KernelLayout): string {
  const H = L.header;
  const A = L.aggregates;
  const entryAt = (seq: string) => ringEntry(store, `entries${j}`, seq, `mask${j}`);
  if (aggregate === A.avg) return `x = sum${j} / count${j};`;
  if (aggregate === A.max || aggregate === A.min) {
    // The front part's first suffix extreme against the back part's (PaneWindow.maximum / minimum).
    const [pick, suffix, back] = aggregate === A.max ? ['max', store.suffixMax, H.backMax] : ['min', store.suffixMin, H.backMin];
    return `x = head${j} < headers[h${j} + ${H.boundary}] ? Math.${pick}(panes[${entryAt(`head${j}`)} + ${suffix}], headers[h${j} + ${back}]) : headers[h${j} + ${back}];`;
  }
  if (aggregate !== A.rate) throw new RangeError(`kernel: aggregate ${aggregate} is read through the window's methods, not in place`);
  // Rate per minute from the oldest reading in the window to this one. Without time between them (the window holds
  // this reading alone, or readings of one millisecond) there is no rate: elapsed / elapsed is 0 / 0, a NaN that
  // leaves the condition as it is, computed rather than loaded as the global NaN (see above).
  return [
    `const e = ${entryAt(`head${j}`)} + ${store.paned ? L.paned.firstT : 0};`,
    'const elapsed = t - panes[e];',
    `x = elapsed > 0 ? ((v - panes[e + 1]) * 60000) / elapsed : elapsed / elapsed;`,
  ].join(' ');
}

/**
 * Window j of the point takes the reading: through its methods when it keeps held values or is not in place,
 * otherwise in place, exactly as PaneWindow.add does (batch.test.ts and kernel.test.ts hold the two equal): evict
 * the entries whose pane left the window (flipping the extremes' front part when it runs empty), then add to the
 * latest pane or start an entry, then raise the back part's extremes. The numbers the rules read next stay in
 * locals (head<j>, tail<j>, count<j>, sum<j>, entries<j>, mask<j>) rather than being read back from the header.
 */
function storeStep(store: KernelStore, j: number, L: KernelLayout): string[] {
  const H = L.header;
  const P = L.paned;
  const k = `k${j}`;
  const h = `h${j}`;
  const lines = [`  const ${k} = storeBase + ${j};`];
  if (store.heldValues) {
    lines.push(`  const ${h} = -1;`, `  stores[${k}].addFrom(s, p + ${L.lastTime}, true);`);
    return lines;
  }
  const extremes = store.suffixMax >= 0 || store.suffixMin >= 0;
  const entryAt = (seq: string) => ringEntry(store, 'entries', seq, 'mask');
  /**
   * Whether the entry at ring offset `at` left the window. A pane leaves when its index is below the first kept
   * (`cut`); a raw entry sits in pane ceil(time) - 1 (panes of 1 ms), and ceil(time) - 1 < floor(t - window) holds
   * exactly when time <= floor(t - window), which spares a rounding per check.
   */
  const leftWindow = (at: string) => (store.paned ? `panes[${at} + ${P.index}] < cut` : `panes[${at}] <= cut`);
  const cut = store.paned ? `Math.floor((t - headers[h + ${H.windowMs}]) / paneMs[${k}])` : `Math.floor(t - headers[h + ${H.windowMs}])`;
  lines.push(
    `  let ${h} = layout[${k} * ${L.storeFields} + ${L.storeHeader}];`,
    `  let head${j} = 0, tail${j} = 0, count${j} = 0, sum${j} = 0, entries${j} = 0, mask${j} = 0;`,
    `  if (${h} < 0) stores[${k}].addFrom(s, p + ${L.lastTime}, true);`,
    '  else {',
    `    const h = ${h};`,
    `    const mask = layout[${k} * ${L.storeFields} + ${L.storeMask}];`,
    `    const entries = layout[${k} * ${L.storeFields} + ${L.storeEntries}];`,
    `    let head = headers[h + ${H.head}];`,
    `    const tail = headers[h + ${H.tail}];`,
    `    let count = headers[h + ${H.runCount}];`,
    `    let sum = headers[h + ${H.runSum}];`,
    `    const cut = ${cut};`,
    `    if (tail > head && ${leftWindow(entryAt('head'))}) {`,
    '      const headBefore = head;',
    '      do {',
    `        const e = ${entryAt('head')};`,
    `        count -= ${store.paned ? `panes[e + ${P.count}]` : '1'};`,
    `        sum -= panes[e + ${store.paned ? P.sum : 1}];`,
    ...(extremes ? flipInPlace(store, L) : []),
    '        head += 1;',
    `      } while (tail > head && ${leftWindow(entryAt('head'))});`,
    // Nothing left: the sums are exactly 0, not what rounding left of the subtractions (PaneWindow.resetSums).
    '      if (head === tail) { count = 0; sum = 0; }',
    `      headers[h + ${H.head}] = head;`,
    extremes ? `      if (head > headers[h + ${H.boundary}]) stores[${k}].emptied();` : '',
    // Once per RECOMPUTE_RINGS ring lengths of evictions (the head crossed a multiple of that) the sums are
    // re-added, so rounding error stays bounded (PaneWindow.recompute, which reads and writes them in the header).
    `      const period = (mask + 1) * ${L.recomputeRings} - 1;`,
    `      if ((head & ~period) !== (headBefore & ~period)) {`,
    `        headers[h + ${H.runCount}] = count;`,
    `        headers[h + ${H.runSum}] = sum;`,
    `        stores[${k}].recompute();`,
    `        count = headers[h + ${H.runCount}];`,
    `        sum = headers[h + ${H.runSum}];`,
    '      }',
    '    }',
  );
  // added: the reading went into the ring here (false: the ring was full and the window's own add() grows it).
  if (store.paned) {
    lines.push(
      `    const paneIndex = Math.ceil(t / paneMs[${k}]) - 1;`,
      `    const latest = ${entryAt('tail - 1')};`,
      '    let added = true;',
      `    let nextTail = tail;`,
      `    if (tail > head && panes[latest + ${P.index}] === paneIndex) {`,
      `      panes[latest + ${P.count}] += 1;`,
      // The pane's sum with its rounding error kept apart (Neumaier), as PaneWindow.add does.
      `      const paneSum = panes[latest + ${P.sum}];`,
      '      const joined = paneSum + v;',
      `      panes[latest + ${P.sumError}] += Math.abs(paneSum) >= Math.abs(v) ? paneSum - joined + v : v - joined + paneSum;`,
      `      panes[latest + ${P.sum}] = joined;`,
      `      if (v < panes[latest + ${P.min}]) panes[latest + ${P.min}] = v;`,
      `      if (v > panes[latest + ${P.max}]) panes[latest + ${P.max}] = v;`,
      `      panes[latest + ${P.lastT}] = t;`,
      `      panes[latest + ${P.lastV}] = v;`,
      '    } else if (tail - head > mask) {',
      '      added = false;',
      '    } else {',
      `      const e = ${entryAt('tail')};`,
      `      panes[e + ${P.index}] = paneIndex;`,
      `      panes[e + ${P.count}] = 1;`,
      `      panes[e + ${P.sumError}] = 0;`,
      `      panes[e + ${P.sum}] = panes[e + ${P.min}] = panes[e + ${P.max}] = v;`,
      `      panes[e + ${P.firstT}] = panes[e + ${P.lastT}] = t;`,
      `      panes[e + ${P.firstV}] = panes[e + ${P.lastV}] = v;`,
      '      nextTail = tail + 1;',
      `      headers[h + ${H.tail}] = nextTail;`,
      '    }',
    );
  } else {
    lines.push(
      '    const added = tail - head <= mask;',
      '    const nextTail = tail + 1;',
      '    if (added) {',
      `      const e = ${entryAt('tail')};`,
      '      panes[e] = t;',
      '      panes[e + 1] = v;',
      `      headers[h + ${H.tail}] = nextTail;`,
      '    }',
    );
  }
  lines.push(
    '    if (added) {',
    '      count += 1;',
    '      sum += v;',
    `      headers[h + ${H.runCount}] = count;`,
    `      headers[h + ${H.runSum}] = sum;`,
    // The new entry, or the latest pane it joined, is in the back part.
    store.suffixMax >= 0 ? `      if (v > headers[h + ${H.backMax}]) headers[h + ${H.backMax}] = v;` : '',
    store.suffixMin >= 0 ? `      if (v < headers[h + ${H.backMin}]) headers[h + ${H.backMin}] = v;` : '',
    `      head${j} = head; tail${j} = nextTail; count${j} = count; sum${j} = sum; entries${j} = entries; mask${j} = mask;`,
    '    } else {',
    // The eviction's sums go to the header before the window's own add() grows the ring.
    `      headers[h + ${H.runCount}] = count;`,
    `      headers[h + ${H.runSum}] = sum;`,
    `      env.growStore(${k}, p + ${L.lastTime});`,
    `      ${h} = layout[${k} * ${L.storeFields} + ${L.storeHeader}];`,
    '    }',
    '  }',
  );
  return lines.filter((line) => line !== '');
}

/**
 * The eviction reached the boundary (`head`, about to leave, is the front part's last entry): the front part takes
 * over everything after it, as PaneWindow.flip does (but a paned window's latest pane, which may still grow), each
 * entry getting the extremes from itself to the new boundary. Written out per window shape rather than called:
 * the walk covers the whole ring once per ring length of readings, and the generic method spent ~65 instructions
 * per entry on reading its fields and checking its array, the specialized loop two thirds of that.
 */
function flipInPlace(store: KernelStore, L: KernelLayout): string[] {
  const H = L.header;
  const [valueMax, valueMin] = store.paned ? [L.paned.max, L.paned.min] : [1, 1];
  const entryAt = (seq: string) => ringEntry(store, 'entries', seq, 'mask');
  const lines = [
    `        if (head === headers[h + ${H.boundary}]) {`,
    `          const end = ${store.paned ? 'tail - 1' : 'tail'};`,
    '          let max = -Infinity, min = Infinity;',
    // Down to the entry after `head`: head leaves right after the flip, so its own extremes would never be read.
    '          for (let seq = end - 1; seq > head; seq -= 1) {',
    `            const f = ${entryAt('seq')};`,
  ];
  if (store.suffixMax >= 0) lines.push(`            panes[f + ${store.suffixMax}] = max = Math.max(max, panes[f + ${valueMax}]);`);
  if (store.suffixMin >= 0) lines.push(`            panes[f + ${store.suffixMin}] = min = Math.min(min, panes[f + ${valueMin}]);`);
  lines.push('          }', `          headers[h + ${H.boundary}] = end;`);
  if (store.paned) {
    lines.push(`          headers[h + ${H.backMax}] = panes[${entryAt('end')} + ${valueMax}];`, `          headers[h + ${H.backMin}] = panes[${entryAt('end')} + ${valueMin}];`);
  } else {
    lines.push(`          headers[h + ${H.backMax}] = -Infinity;`, `          headers[h + ${H.backMin}] = Infinity;`);
  }
  lines.push('        }');
  return lines;
}
