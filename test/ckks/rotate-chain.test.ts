/**
 * Rotate-and-add chains (Evaluator.rotateAddChain): x_{i+1} = x_i + rot(x_i, k_i) with the
 * c_0 side kept over Q_l ∪ P and divided by P once. Checked against the float64 sums, against
 * the step-by-step chain (rotate then add; at least as precise, up to the run-to-run spread of
 * a maximum over the slots), for its counters, aliasing, the identity step and its errors.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { PN12QP180_INSECURE, PN13QP210_SEC128, PN14QP420_SEC128 } from '../../src/ckks/presets.js';
import type { ParametersLiteral } from '../../src/ckks/params.js';
import type { Ciphertext } from '../../src/ckks/types.js';
import { KeySwitcher, MissingKeyError } from '../../src/rlwe/index.js';
import { CkksError } from '../../src/ckks/errors.js';
import { RnsPoly, automorphismNttIndex, galoisElementForRotation } from '../../src/ntt/index.js';
import { type Ctx, bitsOf, decryptVec, encryptVec, expectBits, expectSameCiphertext, expectThrows, makeCtx, maxErr, randomVec, rotateRef } from './helpers.js';

/** The float64 chain: x <- x + rot(x, k) for each step. */
function chainRef(x: Float64Array, steps: readonly number[]): Float64Array {
  let v = x;
  for (const k of steps) {
    const r = rotateRef(v, k);
    v = Float64Array.from(v, (a, i) => a + r[i]);
  }
  return v;
}

/** The step-by-step chain (a rotation and an addition per step). */
function eagerChain(ctx: Ctx, ct: Ciphertext, steps: readonly number[]): Ciphertext {
  let acc = ct;
  for (const k of steps) acc = ctx.ev.addNew(acc, ctx.ev.rotateNew(acc, k));
  return acc;
}

const PRESETS: [string, Readonly<ParametersLiteral>][] = [
  ['PN12QP180_INSECURE', PN12QP180_INSECURE],
  // digits of 2 primes: several digits per decomposition, |P| = 2
  ['PN13QP210_SEC128_D2', { ...PN13QP210_SEC128, digitSize: 2 }],
  ['PN14QP420_SEC128', PN14QP420_SEC128],
];

describe.each(PRESETS)('rotateAddChain, %s', (name, lit) => {
  let ctx: Ctx;
  const steps = [1, 2, 4, 8, 16];
  beforeAll(() => {
    ctx = makeCtx(name, lit, { steps: [1, 2, 4, 8, 16, -3, 5] });
  });

  it('equals the float64 chain, and is at least as precise as rotate-then-add, at two levels', () => {
    const x = randomVec(ctx.n, 11);
    for (const level of [ctx.params.maxLevel, 1]) {
      const ct = encryptVec(ctx, x, { level });
      const want = chainRef(x, steps);
      // each step doubles the error so far and adds one key switching's: 2^m - 1 rotations' worth
      const th = Math.floor(2 * (ctx.th.rot - Math.log2(2 ** steps.length - 1))) / 2;
      ctx.ev.resetCounters();
      const lazy = ctx.ev.rotateAddChainNew(ct, steps);
      expect(ctx.ev.counters.rotations).toBe(steps.length);
      expect(ctx.ev.counters.keySwitches).toBe(steps.length);
      expect(ctx.ev.counters.decompositions).toBe(steps.length);
      expect(lazy.level).toBe(level);
      expect(lazy.scale).toBe(ct.scale);
      const bLazy = expectBits(name, `rotate-add chain of ${steps.length} (level ${level})`, decryptVec(ctx, lazy), want, th);
      const bEager = bitsOf(maxErr(decryptVec(ctx, eagerChain(ctx, ct, steps)), want));
      if (process.env.CKKS_PRECISION_REPORT) console.log(`${name} level ${level}: lazy ${bLazy.toFixed(2)} eager ${bEager.toFixed(2)}`);
      expect(bLazy, `lazy ${bLazy.toFixed(2)} bits, step by step ${bEager.toFixed(2)}`).toBeGreaterThanOrEqual(bEager - 0.5);
    }
  });

  it('in place, mixed signs, a step that is a multiple of the slot count, and the empty chain', () => {
    const x = randomVec(ctx.n, 12);
    const mixed = [-3, ctx.n, 5, 2 * ctx.n];
    const ct = encryptVec(ctx, x);
    const copy = ctx.ev.addConstNew(ct, 0);
    ctx.ev.resetCounters();
    const out = ctx.ev.rotateAddChain(copy, mixed, copy);
    expect(out).toBe(copy);
    expect(ctx.ev.counters.rotations).toBe(2); // the multiples of n are doublings, without a key
    const th = Math.floor(2 * (ctx.th.rot - Math.log2(15))) / 2;
    expectBits(name, 'rotate-add chain, mixed steps, in place', decryptVec(ctx, out), chainRef(x, mixed), th);
    // The same chain into a separate output gives the same words, and leaves the input alone.
    const before = ctx.ev.addConstNew(ct, 0);
    const other = ctx.ev.rotateAddChainNew(ct, mixed);
    expectSameCiphertext(other, out, 'out-of-place vs in place');
    expectSameCiphertext(ct, before, 'input untouched');
    // Empty chain: a copy.
    expectSameCiphertext(ctx.ev.rotateAddChainNew(ct, []), ct, 'empty chain');
  });

  it('refuses a missing key, a bad step and a degree-2 input before writing anything', () => {
    const x = randomVec(ctx.n, 13);
    const ct = encryptVec(ctx, x);
    const out = ctx.ev.addConstNew(ct, 0);
    const before = ctx.ev.addConstNew(ct, 0);
    expectThrows(() => ctx.ev.rotateAddChain(ct, [1, 7], out), MissingKeyError, 'MISSING_KEY', /rotation by 7/);
    expectThrows(() => ctx.ev.rotateAddChain(ct, [1, 0.5], out), CkksError, 'INVALID_ARGUMENT', /safe integers/);
    expectThrows(() => ctx.ev.rotateAddChain(ctx.ev.mulNew(ct, ct), [1], out), CkksError, 'INVALID_ARGUMENT', /degree 1/);
    expectSameCiphertext(out, before, 'out untouched');
  });
});

describe('KeySwitcher: the lazy c_0 side', () => {
  it('liftByPInto then modDownInto is the identity, word for word', () => {
    const ctx = makeCtx('PN13QP210_SEC128_D2', { ...PN13QP210_SEC128, digitSize: 2 });
    const ks = new KeySwitcher(ctx.params);
    const ct = encryptVec(ctx, randomVec(ctx.n, 14));
    const level = ct.level;
    const ext = new RnsPoly(ctx.params.N, level + 1 + ctx.params.P.length, undefined, true);
    ks.liftByPInto(ct.c[0], level, ext);
    const back = new RnsPoly(ctx.params.N, level + 1, undefined, true);
    ks.modDownInto(ext, level, back);
    expect(Array.from(back.data).every((v, i) => v === ct.c[0].data[i])).toBe(true);
  });

  it('refuses overlapping buffers, before writing anything', () => {
    const ctx = makeCtx('PN12QP180_INSECURE', PN12QP180_INSECURE, { steps: [1] });
    const ks = new KeySwitcher(ctx.params);
    const N = ctx.params.N;
    const ct = encryptVec(ctx, randomVec(ctx.n, 15));
    const level = ct.level;
    const ext = level + 1 + ctx.params.P.length;
    const key = ctx.keys.galoisKeyAt(galoisElementForRotation(1, ctx.params.logN), level);
    if (key === undefined) throw new Error('no key');
    const perm = automorphismNttIndex(ctx.params.logN, galoisElementForRotation(1, ctx.params.logN));
    const x0 = new RnsPoly(N, ext, undefined, true);
    ks.liftByPInto(ct.c[0], level, x0);
    const c1 = new RnsPoly(N, level + 1, ct.c[1].data.slice(), true);
    const dec = ks.decompose(c1);
    const snapshot = c1.data.slice();
    // y0 overlapping x0 (a view one limb in)
    const y0 = new RnsPoly(N, ext - 1, x0.data.subarray(N), true);
    expectThrows(() => ks.rotateAddStep(dec, key, perm, x0, y0, c1), CkksError, 'INVALID_ARGUMENT', /separate y0/);
    expectThrows(() => ks.doubleAddStep(level, x0, x0, c1), CkksError, 'INVALID_ARGUMENT', /separate y0/);
    // the lift into (a view over) its own input
    const big = new Uint32Array((ext + 1) * N);
    big.set(ct.c[0].data);
    expectThrows(() => ks.liftByPInto(new RnsPoly(N, level + 1, big.subarray(0, (level + 1) * N), true), level, new RnsPoly(N, ext, big.subarray(N, (ext + 1) * N), true)), CkksError, 'INVALID_ARGUMENT');
    expect(c1.data).toEqual(snapshot);
  });
});
