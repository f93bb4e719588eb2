/**
 * MatrixOps (src/encoding/ops.ts) on real ciphertexts at logN 12
 * (PN12QP180_INSECURE: 4 primes, 3 usable levels), against float64 matrix math:
 *
 *  - productABt (Z = A B^T) with unpaired tiled rows of B and with rows packed
 *    in pairs (real = row j, imaginary = row j'), productAtB (G = E^T X) with one
 *    real column of E and with a complex pair of columns, then split;
 *  - sumWithinRows, replicateColumn0, sumOverRows, pack / split;
 *  - over random shapes (fast-check) that include several ciphertexts (teams > 1,
 *    parts > 1) and padding (cols not a power of two), full (2048) and sparse
 *    (256) slots, ciphertext and plaintext operands;
 *  - the cost model: the evaluator's counters equal MatrixOps.costABt / costAtB /
 *    costSplit exactly, and the levels consumed equal cost.levels;
 *  - rotationStepsFor: exactly those keys suffice, and each one is needed;
 *  - LayoutError on mismatched counts;
 *  - one paper-like circuit scaled down (32 x 100, width 64, K = 10 in 5 pairs):
 *    Z = X W^T, E = mask (.) Z, G = E^T X, end to end in the 3 levels.
 *
 * Precision is asserted in bits (-log2 max |error|); the thresholds scale with
 * the number of noisy terms summed into one output: see ./harness.ts.
 * CKKS_PRECISION_REPORT=1 prints every figure measured.
 *
 * Keys: one secret key and one set of Galois keys, generated once (beforeAll)
 * for the union of rotationStepsFor over every (slots, width) tested; the
 * steps depend only on (slots, width) (tested below), so this covers every
 * random shape.
 */

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MissingKeyError } from '../../src/ckks/errors.js';
import { Evaluator } from '../../src/ckks/evaluator.js';
import { EvaluationKeys, galoisElementsFor } from '../../src/rlwe/keys.js';
import { PN12QP180_INSECURE } from '../../src/ckks/presets.js';
import type { Ciphertext, Plaintext } from '../../src/ckks/types.js';
import {
  LayoutError,
  MatrixLayout,
  MatrixOps,
  type OpCost,
  addCosts,
  columnMask,
  rotationStepsFor,
  stepsReplicateColumn0,
  stepsSumOverRows,
  stepsSumWithinRows,
  zeroCost,
} from '../../src/encoding/index.js';
import { type Ctx, expectComplexBits, makeCtx, randomVec } from '../ckks/helpers.js';
import * as H from './harness.js';

const PRESET = H.PRESET;

/** (slots, width) of the random shapes of the products. */
const RANDOM_GEOMETRIES: readonly (readonly [number, number])[] = [
  [2048, 4],
  [2048, 16],
  [2048, 64],
  [256, 4],
  [256, 16],
  [256, 64],
];
/** Edge geometries: width 1 (no rotation within rows), width = slots (one row per ciphertext, no rotation over rows). */
const EDGE_GEOMETRIES: readonly (readonly [number, number])[] = [
  [2048, 1],
  [256, 1],
  [256, 256],
  [2048, 2048],
];
const ALL_GEOMETRIES = [...RANDOM_GEOMETRIES, ...EDGE_GEOMETRIES];

interface Shape {
  slots: number;
  width: number;
  rows: number;
  cols: number;
}

const MAX_ROWS = 300;

/** A shape with the given numbers of team members (capped by MAX_ROWS) and parts; fr, fc in [0, 1) pick rows and cols. */
function shapeOf(slots: number, width: number, teams: number, parts: number, fr: number, fcol: number): Shape {
  const R = slots / width;
  const t = Math.min(teams, Math.ceil(MAX_ROWS / R));
  const lo = (t - 1) * R + 1;
  const hi = Math.min(t * R, MAX_ROWS);
  return { slots, width, rows: lo + Math.floor(fr * (hi - lo + 1)), cols: (parts - 1) * width + 1 + Math.floor(fcol * width) };
}

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const shapeArb: fc.Arbitrary<Shape> = fc
  .tuple(fc.constantFrom(...RANDOM_GEOMETRIES), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), unit, unit)
  .map(([[s, w], t, p, fr, fcol]) => shapeOf(s, w, t, p, fr, fcol));

/** Shapes run in every property run besides the random ones: several team members, several parts, padding. */
const MULTI_SPARSE: Shape = { slots: 256, width: 16, rows: 40, cols: 37 }; // 3 parts (37 of 48 columns), 3 team members of 16 rows
const MULTI_FULL: Shape = { slots: 2048, width: 64, rows: 70, cols: 100 }; // 2 parts (100 of 128), 3 team members of 32 rows

const layoutOf = (s: Shape): MatrixLayout => new MatrixLayout(s.rows, s.cols, s.slots, s.width);
const describeShape = (L: MatrixLayout): string => `${L.rows}x${L.cols} S${L.slots} w${L.width} (${L.parts}p x ${L.teams}t)`;

/** The counters of a plaintext-operand run: plaintext products instead of ciphertext ones, no relinearization. */
function plainCost(c: OpCost): OpCost {
  return { ...c, ctMultiplications: 0, ptMultiplications: c.ctMultiplications, relinearizations: 0 };
}

/** The evaluator's counters equal the model (rotations, products, relinearizations = key switches - rotations, rescales). */
function expectCounters(ev: Evaluator, cost: OpCost, label: string): void {
  const c = ev.counters;
  expect(
    {
      rotations: c.rotations,
      ctMultiplications: c.ctMultiplications,
      ptMultiplications: c.ptMultiplications,
      relinearizations: c.keySwitches - c.rotations,
      rescales: c.rescales,
    },
    `${label}: counters`,
  ).toEqual({
    rotations: cost.rotations,
    ctMultiplications: cost.ctMultiplications,
    ptMultiplications: cost.ptMultiplications,
    relinearizations: cost.relinearizations,
    rescales: cost.rescales,
  });
}

let ctx: Ctx;
let ops: MatrixOps;

/** Union of rotationStepsFor over every geometry tested. */
function allSteps(): number[] {
  const s = new Set<number>();
  for (const [S, w] of ALL_GEOMETRIES) for (const k of rotationStepsFor(new MatrixLayout(1, 1, S, w)).steps) s.add(k);
  return [...s].sort((a, b) => a - b);
}

beforeAll(() => {
  ctx = makeCtx(PRESET, PN12QP180_INSECURE, { steps: allSteps(), conjugate: true, seed: 4101 });
  ops = new MatrixOps(ctx.ev);
});

function encryptAt(v: ArrayLike<number> | { re: ArrayLike<number>; im: ArrayLike<number> }, level: number, slots: number): Ciphertext {
  return ctx.sym.encrypt(ctx.encoder.encode(v, level, undefined, slots));
}

interface RunOptions {
  /** B rows / X as plaintexts. */
  plain?: boolean;
  /** The MatrixOps to use (default: the one holding every key). */
  ops?: MatrixOps;
}

/**
 * Z = A B^T for a random A (rows x cols) and B (K unpaired rows, then P pairs),
 * checked against float64: values (bits), result shapes, levels and counters.
 */
function checkABt(shape: Shape, K: number, P: number, seed: number, opts: RunOptions = {}): void {
  const mo = opts.ops ?? ops;
  const ev = mo.ev;
  const L = layoutOf(shape);
  const { rows, cols, slots } = shape;
  const label = `ABt ${describeShape(L)}${opts.plain ? ' plain' : ''}`;
  const nB = K + 2 * P;
  const A = H.randMatrix(rows, cols, seed);
  const B = H.randMatrix(nB, cols, seed + 1);
  const Zref = H.refABt(A, rows, cols, B, nB);
  const Ac = H.encryptLayout(ctx, L, A);
  const lvl = Ac[0].level;
  const tiled = (j: number): Float64Array[] => H.tiledParts(L, H.row(B, cols, j));
  const operand = (v: Float64Array | { re: Float64Array; im: Float64Array }): Ciphertext | Plaintext =>
    opts.plain ? ctx.encoder.encode(v, lvl, undefined, slots) : encryptAt(v, lvl, slots);
  const th = H.sumThreshold(H.termsABt(L));
  const zeros = new Float64Array(rows);

  // Unpaired rows: real parts.
  const single = Array.from({ length: K }, (_, j) => tiled(j).map((v) => operand(v)));
  ev.resetCounters();
  const Z1 = mo.productABt(L, Ac, single);
  const cost1 = MatrixOps.costABt(L, K);
  expectCounters(ev, opts.plain ? plainCost(cost1) : cost1, `${label} unpaired`);
  expect(Z1.length).toBe(K);
  for (let j = 0; j < K; j++) {
    expect(Z1[j].length).toBe(L.teams);
    for (const z of Z1[j]) expect(z.level, `${label}: levels consumed`).toBe(lvl - cost1.levels);
    const got = H.readColumn0(ctx, L, Z1[j]);
    expectComplexBits(PRESET, `${label} row ${j} (T ${H.termsABt(L)})`, got, { re: H.column(Zref, rows, nB, j), im: zeros }, th);
  }

  // Pairs: B_j + i B_j' (ciphertexts packed with ops.pack; plaintexts encoded complex).
  const pairs = Array.from({ length: P }, (_, q) => {
    const a = tiled(K + 2 * q);
    const b = tiled(K + 2 * q + 1);
    if (opts.plain) return a.map((re, p) => operand({ re, im: b[p] }));
    return a.map((re, p) => mo.pack(encryptAt(re, lvl, slots), encryptAt(b[p], lvl, slots)));
  });
  ev.resetCounters();
  const Z2 = mo.productABt(L, Ac, pairs);
  const cost2 = MatrixOps.costABt(L, P);
  expectCounters(ev, opts.plain ? plainCost(cost2) : cost2, `${label} pairs`);
  expect(Z2.length).toBe(P);
  for (let q = 0; q < P; q++) {
    expect(Z2[q].length).toBe(L.teams);
    for (const z of Z2[q]) expect(z.level, `${label}: levels consumed`).toBe(lvl - cost2.levels);
    const got = H.readColumn0(ctx, L, Z2[q]);
    const want = { re: H.column(Zref, rows, nB, K + 2 * q), im: H.column(Zref, rows, nB, K + 2 * q + 1) };
    expectComplexBits(PRESET, `${label} pair ${q} (T ${H.termsABt(L)})`, got, want, th);
  }
}

/**
 * G = E^T X for a random X (rows x cols) and E (one real column; one complex
 * pair of columns, then split), checked against float64 over every slot of
 * every result (the sum is tiled in every row; the padding columns are zero).
 */
function checkAtB(shape: Shape, seed: number, opts: RunOptions = {}): void {
  const mo = opts.ops ?? ops;
  const ev = mo.ev;
  const L = layoutOf(shape);
  const { rows, cols, slots } = shape;
  const label = `AtB ${describeShape(L)}${opts.plain ? ' plain' : ''}`;
  const X = H.randMatrix(rows, cols, seed);
  const E = H.randMatrix(rows, 3, seed + 1);
  const Gref = H.refAtB(E, 3, X, rows, cols);
  const Xops: (Ciphertext | Plaintext)[] = opts.plain ? H.encodeLayout(ctx, L, X) : H.encryptLayout(ctx, L, X);
  const lvl = Xops[0].level;
  const th = H.sumThreshold(H.termsAtB(L));
  const zeros = new Float64Array(slots);
  const wantTiled = (j: number): Float64Array[] => H.tiledParts(L, H.row(Gref, cols, j));

  // One real column.
  const e0 = H.columnVectors(L, H.column(E, rows, 3, 0)).map((v) => encryptAt(v, lvl, slots));
  ev.resetCounters();
  const G1 = mo.productAtB(L, e0, Xops);
  const cost1 = MatrixOps.costAtB(L, 1);
  expectCounters(ev, opts.plain ? plainCost(cost1) : cost1, `${label} single`);
  expect(G1.length).toBe(L.parts);
  const w0 = wantTiled(0);
  for (let p = 0; p < L.parts; p++) {
    expect(G1[p].level, `${label}: levels consumed`).toBe(lvl - cost1.levels);
    expectComplexBits(PRESET, `${label} single part ${p} (T ${H.termsAtB(L)})`, H.decryptComplex(ctx, G1[p]), { re: w0[p], im: zeros }, th);
  }

  // A complex pair of columns, separated by split.
  const eRe = H.columnVectors(L, H.column(E, rows, 3, 1));
  const eIm = H.columnVectors(L, H.column(E, rows, 3, 2));
  const ep = eRe.map((re, t) => encryptAt({ re, im: eIm[t] }, lvl, slots));
  ev.resetCounters();
  const G2 = mo.productAtB(L, ep, Xops);
  const halves = G2.map((g) => mo.split(g));
  const cost2 = addCosts(MatrixOps.costAtB(L, 1), ...G2.map(() => MatrixOps.costSplit()));
  expectCounters(ev, opts.plain ? plainCost(cost2) : cost2, `${label} pair + split`);
  const w1 = wantTiled(1);
  const w2 = wantTiled(2);
  for (let p = 0; p < L.parts; p++) {
    const [re, im] = halves[p];
    for (const h of [re, im]) {
      expect(h.level, `${label}: levels consumed`).toBe(lvl - cost2.levels);
      expect(h.scale, `${label}: split doubles the scale`).toBe(2 * G2[p].scale);
    }
    expectComplexBits(PRESET, `${label} pair re part ${p}`, H.decryptComplex(ctx, re), { re: w1[p], im: zeros }, th);
    expectComplexBits(PRESET, `${label} pair im part ${p}`, H.decryptComplex(ctx, im), { re: w2[p], im: zeros }, th);
  }
}

// ---------------------------------------------------------------------------

describe('productABt: Z = A B^T', () => {
  it('random shapes (fast-check), unpaired rows and pairs, against float64', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 ** 20 }), (shape, K, P, seed) => {
        checkABt(shape, K, P, seed);
      }),
      {
        numRuns: 5,
        examples: [
          [MULTI_SPARSE, 2, 1, 11],
          [MULTI_FULL, 1, 2, 12],
        ],
      },
    );
  });

  it('plaintext rows of B (unpaired and complex pairs)', () => {
    checkABt(MULTI_SPARSE, 2, 1, 21, { plain: true });
    checkABt({ slots: 2048, width: 16, rows: 150, cols: 20 }, 1, 1, 22, { plain: true });
  });
});

describe('productAtB: G = E^T X', () => {
  it('random shapes (fast-check), one real column and a complex pair (split), against float64', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 1, max: 2 ** 20 }), (shape, seed) => {
        checkAtB(shape, seed);
      }),
      {
        numRuns: 5,
        examples: [
          [MULTI_SPARSE, 31],
          [MULTI_FULL, 32],
        ],
      },
    );
  });

  it('plaintext X', () => {
    checkAtB(MULTI_SPARSE, 41, { plain: true });
    checkAtB({ slots: 2048, width: 16, rows: 150, cols: 20 }, 42, { plain: true });
  });
});

describe('cost model: counters and levels equal MatrixOps.costABt / costAtB / costSplit', () => {
  // Several shapes, including the edges: width 1 (no rotation within rows; one column per part),
  // width = slots (one row per ciphertext, no rotation over rows), sparse and full slots.
  const shapes: Shape[] = [
    { slots: 2048, width: 1, rows: 300, cols: 3 },
    { slots: 256, width: 256, rows: 3, cols: 200 },
    { slots: 2048, width: 2048, rows: 2, cols: 2100 },
    { slots: 256, width: 1, rows: 257, cols: 2 },
    MULTI_SPARSE,
  ];
  it.each(shapes.map((s) => [describeShape(layoutOf(s)), s] as const))('%s', (_name, s) => {
    checkABt(s, 2, 1, 51);
    checkAtB(s, 52);
  });

  it('the formulas, on the layouts (a hand count)', () => {
    // 70 x 100, width 64, 2048 slots: 2 parts x 3 team members of 32 rows.
    const L = layoutOf(MULTI_FULL);
    // per B row and team member: 2 products, 1 relinearization, 1 rescale, log2(64) = 6 rotations
    expect(MatrixOps.costABt(L, 5)).toEqual({ rotations: 5 * 3 * 6, ctMultiplications: 5 * 3 * 2, ptMultiplications: 0, relinearizations: 15, rescales: 15, levels: 1 });
    // per column of E: replicate in each of 3 team members (6 each), then per part one product
    // per team member, one relinearization, one rescale and log2(32) = 5 rotations over rows
    expect(MatrixOps.costAtB(L, 5)).toEqual({ rotations: 5 * (3 * 6 + 2 * 5), ctMultiplications: 5 * 2 * 3, ptMultiplications: 0, relinearizations: 10, rescales: 10, levels: 1 });
    expect(MatrixOps.costSplit()).toEqual({ ...zeroCost(), rotations: 1 });
    expect(addCosts(MatrixOps.costSplit(), MatrixOps.costSplit()).levels).toBe(0);
    expect(addCosts(MatrixOps.costABt(L, 1), MatrixOps.costAtB(L, 1)).levels).toBe(2);
  });
});

describe('primitives: sumWithinRows, replicateColumn0, sumOverRows', () => {
  // Levels 1..3: at level 0 (one 30-bit prime at scale ~2^30) the sums of up to 2048 values in [-1, 1]
  // would wrap around modulo q_0; that is the parameters' headroom, not the operations'.
  it('random geometries (fast-check, including width 1 and width = slots), against float64; no level consumed; input untouched', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_GEOMETRIES), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 ** 20 }), ([S, w], level, seed) => {
        const R = S / w;
        const ev = ctx.ev;
        const label = `S${S} w${w} level ${level}`;
        const x = randomVec(S, seed);
        const cx = encryptAt(x, level, S);
        const snapshot = cx.c.map((p) => p.data.slice());
        const zeros = new Float64Array(S);

        // sumWithinRows: slot (r, 0) = sum of row r.
        ev.resetCounters();
        const s1 = ops.sumWithinRows(cx, w);
        expectCounters(ev, { ...zeroCost(), rotations: Math.log2(w) }, `sumWithinRows ${label}`);
        expect(s1).not.toBe(cx);
        expect([s1.level, s1.scale]).toEqual([cx.level, cx.scale]);
        const d1 = H.decryptComplex(ctx, s1);
        const rowSums = Float64Array.from({ length: R }, (_, r) => x.subarray(r * w, (r + 1) * w).reduce((a, b) => a + b, 0));
        const at0 = (v: Float64Array) => Float64Array.from({ length: R }, (_, r) => v[r * w]);
        expectComplexBits(PRESET, `sumWithinRows ${label}`, { re: at0(d1.re), im: at0(d1.im) }, { re: rowSums, im: new Float64Array(R) }, H.sumThreshold(w));

        // replicateColumn0: column 0 spread over each row (the other slots must be zero on input).
        const y = Float64Array.from({ length: S }, (_, s) => (s % w === 0 ? x[s] : 0));
        const cy = encryptAt(y, level, S);
        ev.resetCounters();
        const s2 = ops.replicateColumn0(cy, w);
        expectCounters(ev, { ...zeroCost(), rotations: Math.log2(w) }, `replicateColumn0 ${label}`);
        expect(s2).not.toBe(cy);
        expect([s2.level, s2.scale]).toEqual([cy.level, cy.scale]);
        const wantRep = Float64Array.from({ length: S }, (_, s) => x[s - (s % w)]);
        expectComplexBits(PRESET, `replicateColumn0 ${label}`, H.decryptComplex(ctx, s2), { re: wantRep, im: zeros }, H.sumThreshold(w));

        // sumOverRows: every row receives the sum of all rows.
        ev.resetCounters();
        const s3 = ops.sumOverRows(cx, w, S);
        expectCounters(ev, { ...zeroCost(), rotations: Math.log2(R) }, `sumOverRows ${label}`);
        expect(s3).not.toBe(cx);
        expect([s3.level, s3.scale]).toEqual([cx.level, cx.scale]);
        const colSums = new Float64Array(w);
        for (let s = 0; s < S; s++) colSums[s % w] += x[s];
        const wantCols = Float64Array.from({ length: S }, (_, s) => colSums[s % w]);
        expectComplexBits(PRESET, `sumOverRows ${label}`, H.decryptComplex(ctx, s3), { re: wantCols, im: zeros }, H.sumThreshold(R));

        // The input is not modified.
        cx.c.forEach((p, k) => expect(p.data, `input component ${k} modified`).toEqual(snapshot[k]));
      }),
      {
        numRuns: 6,
        examples: [
          [[2048, 1], 3, 61],
          [[256, 256], 1, 62],
        ],
      },
    );
  });

  it('rotation steps of each primitive', () => {
    expect(stepsSumWithinRows(1)).toEqual([]);
    expect(stepsSumWithinRows(16)).toEqual([1, 2, 4, 8]);
    expect(stepsReplicateColumn0(16)).toEqual([-1, -2, -4, -8]);
    expect(stepsSumOverRows(16, 256)).toEqual([16, 32, 64, 128]);
    expect(stepsSumOverRows(256, 256)).toEqual([]);
  });
});

describe('pack / split', () => {
  it('split(pack(a, b)) = (a, b): one conjugation, scale doubled, no level consumed (fast-check)', () => {
    fc.assert(
      fc.property(fc.constantFrom(256, 2048), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2 ** 20 }), (S, level, seed) => {
        const ev = ctx.ev;
        const label = `S${S} level ${level}`;
        const a = randomVec(S, seed);
        const b = randomVec(S, seed + 1);
        const ca = encryptAt(a, level, S);
        const cb = encryptAt(b, level, S);
        ev.resetCounters();
        const packed = ops.pack(ca, cb);
        expectCounters(ev, zeroCost(), `pack ${label}`);
        expect(ev.counters.keySwitches).toBe(0);
        expect([packed.level, packed.scale, packed.slots]).toEqual([level, ca.scale, S]);
        expectComplexBits(PRESET, `pack ${label}`, H.decryptComplex(ctx, packed), { re: a, im: b }, ctx.th.add);

        ev.resetCounters();
        const [re, im] = ops.split(packed);
        expectCounters(ev, MatrixOps.costSplit(), `split ${label}`);
        for (const h of [re, im]) {
          expect(h.level, 'split consumes no level').toBe(level);
          expect(h.scale, 'split doubles the scale').toBe(2 * packed.scale);
          expect(h.slots).toBe(S);
        }
        expect(packed.scale, 'split does not touch its input').toBe(ca.scale);
        const zeros = new Float64Array(S);
        expectComplexBits(PRESET, `split re ${label}`, H.decryptComplex(ctx, re), { re: a, im: zeros }, ctx.th.rot);
        expectComplexBits(PRESET, `split im ${label}`, H.decryptComplex(ctx, im), { re: b, im: zeros }, ctx.th.rot);
        // The two halves have the same scale: they can be added (and are both real).
        const sum = ev.addNew(re, im);
        expectComplexBits(PRESET, `split re + im ${label}`, H.decryptComplex(ctx, sum), { re: a.map((v, i) => v + b[i]), im: zeros }, ctx.th.rot - 0.5);
      }),
      { numRuns: 6 },
    );
  });
});

// ---------------------------------------------------------------------------

describe('rotationStepsFor', () => {
  it('depends only on (slots, width); distinct sorted steps = within rows + replicate + over rows; conjugation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 12 }),
        unit,
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (logS, fw, r1, c1, r2, c2) => {
          const S = 2 ** logS;
          const w = 2 ** Math.floor(fw * (logS + 1));
          const a = rotationStepsFor(new MatrixLayout(r1, c1, S, w));
          const b = rotationStepsFor(new MatrixLayout(r2, c2, S, w));
          expect(a).toEqual(b);
          expect(a.conjugate).toBe(true);
          const want: number[] = [];
          for (let t = 1; t < w; t *= 2) want.push(t, -t);
          for (let t = w; t < S; t *= 2) want.push(t);
          expect(a.steps).toEqual([...new Set(want)].sort((x, y) => x - y));
        },
      ),
      { numRuns: 100 },
    );
    expect(rotationStepsFor(new MatrixLayout(40, 37, 256, 16)).steps).toEqual([-8, -4, -2, -1, 1, 2, 4, 8, 16, 32, 64, 128]);
  });

  /** Evaluation keys with the relinearization key and exactly the Galois keys of rotationStepsFor(L), minus `drop`. */
  function keysFor(L: MatrixLayout, drop?: number | 'relin'): EvaluationKeys {
    const { steps, conjugate } = rotationStepsFor(L);
    const galois = new Map();
    for (const g of galoisElementsFor(ctx.params, steps, conjugate)) {
      const key = ctx.keys.galois.get(g);
      expect(key, `the shared keys lack Galois element ${g}`).toBeDefined();
      if (g !== drop) galois.set(g, key);
    }
    return new EvaluationKeys(ctx.params, drop === 'relin' ? undefined : ctx.keys.relin, galois);
  }

  it('an evaluator holding exactly those keys (and relin) runs both products and split, with the right results', () => {
    const L = layoutOf(MULTI_SPARSE);
    const keys = keysFor(L);
    expect(keys.galois.size).toBe(galoisElementsFor(ctx.params, rotationStepsFor(L).steps, true).length);
    const exact = new MatrixOps(new Evaluator(ctx.params, keys));
    checkABt(MULTI_SPARSE, 1, 1, 71, { ops: exact });
    checkAtB(MULTI_SPARSE, 72, { ops: exact });
  });

  it('every key is needed: with any one Galois key (or the relinearization key) removed, MissingKeyError', () => {
    const s: Shape = { slots: 256, width: 16, rows: 16, cols: 16 }; // one ciphertext
    const L = layoutOf(s);
    const A = H.randMatrix(s.rows, s.cols, 81);
    const Ac = H.encryptLayout(ctx, L, A);
    const lvl = Ac[0].level;
    const row = H.tiledParts(L, H.row(A, s.cols, 0));
    const pair = [ops.pack(encryptAt(row[0], lvl, s.slots), encryptAt(row[0], lvl, s.slots))];
    const e = H.columnVectors(L, H.column(A, s.rows, s.cols, 0)).map((v) => encryptAt({ re: v, im: v }, lvl, s.slots));
    const runAll = (mo: MatrixOps): void => {
      mo.productABt(L, Ac, [pair]);
      for (const g of mo.productAtB(L, e, Ac)) mo.split(g);
    };
    runAll(new MatrixOps(new Evaluator(ctx.params, keysFor(L)))); // all keys: no throw
    const elements = galoisElementsFor(ctx.params, rotationStepsFor(L).steps, true);
    expect(elements.length).toBe(12 + 1);
    for (const g of elements) {
      const mo = new MatrixOps(new Evaluator(ctx.params, keysFor(L, g)));
      let caught: unknown;
      try {
        runAll(mo);
      } catch (err) {
        caught = err;
      }
      expect(caught, `without Galois element ${g}`).toBeInstanceOf(MissingKeyError);
      expect((caught as Error).message).toContain(`Galois element ${g}`);
    }
    expect(() => runAll(new MatrixOps(new Evaluator(ctx.params, keysFor(L, 'relin'))))).toThrow(MissingKeyError);
  });
});

// ---------------------------------------------------------------------------

describe('LayoutError on mismatched counts', () => {
  const s = MULTI_SPARSE; // 3 parts x 3 team members
  let L: MatrixLayout;
  let Ac: Ciphertext[];
  let lvl: number;
  const layoutError = (f: () => unknown, ...parts: string[]): void => {
    let caught: unknown;
    try {
      f();
    } catch (err) {
      caught = err;
    }
    expect(caught, 'expected a LayoutError').toBeInstanceOf(LayoutError);
    for (const p of parts) expect((caught as Error).message).toContain(p);
  };

  beforeAll(() => {
    L = layoutOf(s);
    Ac = H.encryptLayout(ctx, L, H.randMatrix(s.rows, s.cols, 91));
    lvl = Ac[0].level;
  });

  it('productABt: wrong number of A ciphertexts (names the layout and both counts)', () => {
    expect(L.ciphertexts).toBe(9);
    layoutError(() => ops.productABt(L, Ac.slice(1), []), 'MatrixOps.productABt', `expected 9 ciphertext(s) for ${L}`, 'got 8');
    layoutError(() => ops.productABt(L, [...Ac, Ac[0]], []), 'got 10');
  });

  it('productABt: a B row with the wrong number of parts (names the row and both counts)', () => {
    const good = H.tiledParts(L, new Float64Array(s.cols)).map((v) => ctx.encoder.encode(v, lvl, undefined, s.slots));
    ctx.ev.resetCounters();
    layoutError(() => ops.productABt(L, Ac, [good.slice(0, 2)]), 'MatrixOps.productABt', "B row 0 has 2 part(s), A's layout has 3");
    expect(ctx.ev.counters.ptMultiplications, 'refused before any work').toBe(0);
    layoutError(() => ops.productABt(L, Ac, [good, [...good, good[0]]]), "B row 1 has 4 part(s), A's layout has 3");
  });

  it('productABt / productAtB: operands that are neither ciphertexts nor plaintexts', () => {
    const bogus = [{}, {}, {}] as unknown as Ciphertext[];
    layoutError(() => ops.productABt(L, Ac, [bogus]), 'operands must be Ciphertexts or Plaintexts');
  });

  it('productAtB: E with the wrong team count, X with the wrong count (names the layout and both counts)', () => {
    const E = Ac.slice(0, 3);
    layoutError(() => ops.productAtB(L, E.slice(0, 2), Ac), 'MatrixOps.productAtB', "E has 2 ciphertext(s), X's layout has 3 per part");
    layoutError(() => ops.productAtB(L, [...E, E[0]], Ac), 'E has 4 ciphertext(s)');
    layoutError(() => ops.productAtB(L, E, Ac.slice(0, 8)), 'MatrixOps.productAtB', `X has 8 ciphertext(s), its layout (${L}) has 9`);
  });

  it('operands that encode another slot count than the layout (names both counts)', () => {
    // The layout has 256 slots; Encoder.encode defaults to N/2 = 2048. Without the check the
    // rotate-and-add over rows is not cyclic over the layout's slots: only row 0 of G gets the
    // full sum, the other rows partial sums (measured: about -2 bits over the 256 slots).
    const full = H.randMatrix(s.rows, s.cols, 92);
    const Afull = L.pack(full).map((v) => ctx.sym.encrypt(ctx.encoder.encode(v, lvl)));
    expect(Afull[0].slots).toBe(2048);
    layoutError(() => ops.productABt(L, Afull, []), 'MatrixOps.productABt', `A 0 encodes 2048 slots, the layout (${L}) has 256`);
    const rowFull = H.tiledParts(L, H.row(full, s.cols, 0)).map((v) => ctx.encoder.encode(v, lvl));
    const rowOk = H.tiledParts(L, H.row(full, s.cols, 0)).map((v) => ctx.encoder.encode(v, lvl, undefined, 256));
    layoutError(() => ops.productABt(L, Ac, [rowOk, [rowOk[0], rowFull[1], rowOk[2]]]), 'B row 1 part 1 encodes 2048 slots');
    const Efull = H.columnVectors(L, H.column(full, s.rows, s.cols, 0)).map((v) => ctx.sym.encrypt(ctx.encoder.encode(v, lvl)));
    const Eok = Ac.slice(0, 3);
    layoutError(() => ops.productAtB(L, Efull, Ac), 'MatrixOps.productAtB', 'E 0 encodes 2048 slots');
    layoutError(() => ops.productAtB(L, Eok, [...Ac.slice(0, 8), Afull[8]]), 'X 8 encodes 2048 slots');
    layoutError(() => ops.sumOverRows(Afull[0], 16, 256), 'MatrixOps.sumOverRows', 'the ciphertext encodes 2048 slots, the rows fill 256');
  });
});

// ---------------------------------------------------------------------------

describe('paper-like circuit, scaled down to logN 12: 32 x 100 (width 64), K = 10 classes in 5 pairs', () => {
  /*
   * One iteration's two products in the paper's form (docs/CIRCUIT.md), in the
   * 3 levels of PN12QP180_INSECURE:
   *   level 3 -> 2   Z = X W^T, W's rows tiled and packed in pairs (classes 2q + i 2q+1);
   *   level 2 -> 1   E = mask (.) Z: column 0 of every row kept (real mask: both classes at once);
   *   level 1 -> 0   G~ = E^T X~ with X~ = X diag(Bbar) (the quadratic-gradient preconditioner
   *                  folded into the data), then split into classes.
   * Level 0 holds one 30-bit prime q_0 < 2^30 at scale ~2^30: the message's coefficients must stay
   * below q_0 / 2, i.e. below ~1/2 in units of the scale, and split doubles the scale (2^31 > q_0),
   * which leaves 1/4. The preconditioned X~ (entries ~ 1/400) and weights in [-1/8, 1/8) keep G~
   * below 0.05; the headroom is checked (4 G~ still encodes at level 0 at the output's scale).
   * (With weights in [-1, 1), G~ reaches 0.29, its coefficients 2^29 at scale 2^31: the
   * split results wrap around modulo q_0 and decode to garbage, about 1 bit.)
   */
  it('Z = X W^T, E = mask (.) Z, G~ = E^T X~ (split): values, counters and the 3 levels', () => {
    const rows = 32;
    const cols = 100;
    const K = 10;
    const S = ctx.params.slots;
    const L = new MatrixLayout(rows, cols, S, 64);
    expect([L.parts, L.teams, L.rowsPerCt]).toEqual([2, 1, 32]);
    const ev = ctx.ev;
    // X: bias column of ones, then features in [0, 1) (normalized image features); W: K x cols in [-1/8, 1/8).
    const X = H.randMatrix(rows, cols, 101).map((v, i) => (i % cols === 0 ? 1 : (v + 1) / 2));
    const W = H.randMatrix(K, cols, 102).map((v) => v / 8);
    // Bbar_j = 1 / (eps + 0.25 sum_r |x_rj| sum_k |x_rk|) (docs/ALGORITHM.md), X~ = X diag(Bbar).
    const rowAbs = Float64Array.from({ length: rows }, (_, r) => H.row(X, cols, r).reduce((a, v) => a + Math.abs(v), 0));
    const bbar = Float64Array.from({ length: cols }, (_, c) => {
      let s = 0;
      for (let r = 0; r < rows; r++) s += Math.abs(X[r * cols + c]) * rowAbs[r];
      return 1 / (1e-10 + 0.25 * s);
    });
    const Xt = X.map((v, i) => v * bbar[i % cols]);
    const Zref = H.refABt(X, rows, cols, W, K); // rows x K
    const Gref = H.refAtB(Zref, K, Xt, rows, cols); // K x cols

    const top = ctx.params.maxLevel;
    const Xc = H.encryptLayout(ctx, L, X);
    const Xtc = H.encryptLayout(ctx, L, Xt);
    const wRow = (j: number): Ciphertext[] => H.tiledParts(L, H.row(W, cols, j)).map((v) => encryptAt(v, top, S));
    const Wpairs = Array.from({ length: K / 2 }, (_, q) => {
      const a = wRow(2 * q);
      const b = wRow(2 * q + 1);
      return a.map((c, p) => ops.pack(c, b[p]));
    });

    ev.resetCounters();
    // Z: one ciphertext per pair (one team member).
    const Z = ops.productABt(L, Xc, Wpairs);
    expect(Z.map((z) => z.length)).toEqual(new Array(K / 2).fill(1));
    expect(Z.map((z) => z[0].level)).toEqual(new Array(K / 2).fill(top - 1));
    const thZ = H.sumThreshold(H.termsABt(L)); // T = 128: 12 bits
    expect(thZ).toBe(12);
    for (let q = 0; q < K / 2; q++) {
      const got = H.readColumn0(ctx, L, Z[q]);
      expectComplexBits(PRESET, `paper-like Z classes ${2 * q}, ${2 * q + 1}`, got, { re: H.column(Zref, rows, K, 2 * q), im: H.column(Zref, rows, K, 2 * q + 1) }, thZ);
    }

    // E = mask (.) Z. The mask is encoded at scale q_level, so the rescale restores Z's scale exactly.
    const lz = top - 1;
    const mask = ctx.encoder.encode(columnMask(L.width, S), lz, ctx.params.Q[lz], S);
    const E = Z.map((z) => ev.rescaleNew(ev.mulPlainNew(z[0], mask)));
    expect(E[0].level).toBe(top - 2);
    expect(E[0].scale).toBe(Z[0][0].scale);
    // X~ at E's level (no key switching, no rescale).
    const Xl = Xtc.map((c) => ev.dropLevelNew(c, c.level - E[0].level));

    // G~ = E^T X~, pairs split into classes.
    const G = E.map((e) => ops.productAtB(L, [e], Xl));
    const halves = G.map((g) => g.map((gp) => ops.split(gp)));
    const cost = addCosts(
      MatrixOps.costABt(L, K / 2),
      { ...zeroCost(), ptMultiplications: K / 2, rescales: K / 2, levels: 1 }, // the mask
      MatrixOps.costAtB(L, K / 2),
      ...new Array<OpCost>((K / 2) * L.parts).fill(MatrixOps.costSplit()),
    );
    expectCounters(ev, cost, 'paper-like circuit');
    expect(cost.levels).toBe(3);
    expect(top - halves[0][0][0].level, 'levels consumed = cost.levels').toBe(cost.levels);
    // per pair: Z 6 rotations (1 team member); G 6 (replicate) + 2 parts x 5 (over 32 rows); 2 conjugations
    expect(cost.rotations).toBe(5 * 6 + 5 * (6 + 2 * 5) + 5 * 2);

    // Threshold of G~: Z's error (12 bits per row) weighted by X~'s column (l2 norm ~0.02) and summed,
    // plus productAtB's own error. With |X~| <= ~0.01 the error E carries in every slot (replicated over
    // the width, weighted by X~) is ~10^4 times smaller than for |X| ~ 1, so the product's own error is
    // the rescale and key switchings summed over the 32 rows: T = 32, 13 bits.
    const weightNorm = Math.max(...Array.from({ length: cols }, (_, c) => Math.hypot(...H.column(Xt, rows, cols, c))));
    expect(weightNorm).toBeLessThan(0.05);
    const thG = H.composedThreshold(thZ, weightNorm, H.sumThreshold(L.teams * L.rowsPerCt));
    expect(thG).toBeGreaterThanOrEqual(12.5);
    const zeros = new Float64Array(S);
    let maxG = 0;
    for (let q = 0; q < K / 2; q++) {
      for (const [h, j] of [
        [0, 2 * q],
        [1, 2 * q + 1],
      ] as const) {
        const want = H.tiledParts(L, H.row(Gref, cols, j));
        for (let p = 0; p < L.parts; p++) {
          const out = halves[q][p][h];
          expect(out.level).toBe(0);
          // Headroom: 4 G~ still encodes at level 0 at the output's scale (no wrap-around).
          expect(() => ctx.encoder.encode(want[p].map((v) => 4 * v), 0, out.scale, S)).not.toThrow();
          for (const v of want[p]) maxG = Math.max(maxG, Math.abs(v));
          expectComplexBits(PRESET, `paper-like G~ class ${j} part ${p}`, H.decryptComplex(ctx, out), { re: want[p], im: zeros }, thG);
        }
      }
    }
    // The threshold is meaningful against the values: max |G~| is well above 2^-thG.
    expect(Math.log2(maxG) + thG).toBeGreaterThan(5);
  });
});
