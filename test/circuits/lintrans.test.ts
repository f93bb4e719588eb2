/**
 * Linear transforms (src/circuits/lintrans.ts) at logN 11 (1024 slots,
 * insecure test parameters, scale 2^30), against float64 matrix-vector
 * products:
 *  - the planner: the baby-step giant-step split of a dense n x n matrix costs
 *    2 sqrt(n) - 2 rotations (n a square), banded and 3-diagonal matrices
 *    fewer; rotation steps exactly as declared;
 *  - random dense (n = 64, sparse packing: 16 replicas in 1024 slots),
 *    banded (n = 256, 5 diagonals), and one stage of a radix-2 FFT over the
 *    full 1024 slots (3 complex diagonals) on a complex input;
 *  - the evaluator's counters equal the plan (rotations, key switchings,
 *    decompositions, plaintext products, one rescale), one level consumed,
 *    the input's scale kept;
 *  - keys: the declared steps suffice; without one of them, MissingKeyError
 *    before any work; wrong level, wrong diagonal length, repeated index.
 *
 * Thresholds: measured minus about 2 bits (CKKS_PRECISION_REPORT=1).
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { CkksError, LevelMismatchError, MissingKeyError } from '../../src/ckks/index.js';
import { forwardNtt } from '../../src/ntt/index.js';
import { LazyRotationSum, LinearTransform, butterflyDiagonals, centredIndex, compactExtended, compactPlaintext, diagonalWords, diagonalsOf, linearTransformSteps, mulCompactPlainThenAdd, mulPlainThenAdd, planLinearTransform, zeroCiphertext } from '../../src/circuits/index.js';
import { type Ctx, SHALLOW11, decrypt, encrypt, expectBits, makeCtx, uniformVec } from './helpers.js';
import { inverseNtt } from '../../src/ntt/index.js';

const DENSE_N = 64;
const BAND_N = 256;
const FFT_N = 1024;
const FFT_H = 64;

function matVec(M: ArrayLike<number>, x: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i] += M[i * n + j] * x[j];
  return y;
}

function bandMatrix(n: number, width: number, seed: number): Float64Array {
  const M = new Float64Array(n * n);
  const r = uniformVec(n * n, seed);
  for (let i = 0; i < n; i++) for (let d = -width; d <= width; d++) M[i * n + ((i + d + n) % n)] = r[i * n + ((i + d + n) % n)] / (2 * width + 1);
  return M;
}

/** The usual FFT twiddles exp(-2 pi i j / 2h), j < h. */
function fftTwiddles(h: number): { re: Float64Array; im: Float64Array } {
  const a = (j: number) => (-2 * Math.PI * j) / (2 * h);
  return { re: Float64Array.from({ length: h }, (_, j) => Math.cos(a(j))), im: Float64Array.from({ length: h }, (_, j) => Math.sin(a(j))) };
}

describe('planner', () => {
  it('dense n x n: 2 sqrt(n) - 2 rotations for square n, about 3 sqrt(n/2) - 2 otherwise', () => {
    for (const n of [4, 16, 64, 256, 1024]) {
      const p = planLinearTransform(Array.from({ length: n }, (_, k) => k), n);
      expect(p.rotations, `n = ${n}`).toBe(2 * Math.sqrt(n) - 2);
      expect(p.baby * p.giants.length).toBe(n);
    }
    expect(planLinearTransform(Array.from({ length: 128 }, (_, k) => k), 128).rotations).toBe(22);
  });

  it('banded and butterfly matrices, forced splits, steps', () => {
    const band = planLinearTransform([-2, -1, 0, 1, 2], 256);
    expect(band.rotations).toBe(3);
    expect(linearTransformSteps([-2, -1, 0, 1, 2], 256)).toEqual([-2, 1, 2]);
    const fly = planLinearTransform([0, FFT_H, -FFT_H], FFT_N);
    expect(fly.rotations).toBe(2);
    const forced = planLinearTransform(Array.from({ length: 64 }, (_, k) => k), 64, { baby: 4 });
    expect(forced.rotations).toBe(3 + 15);
    expect(forced.decompositions).toBe(1 + 15);
    expect(centredIndex(-1, 8)).toBe(-1);
    expect(centredIndex(7, 8)).toBe(-1);
    expect(centredIndex(4, 8)).toBe(-4);
  });

  it('butterfly stages: 3 diagonals, 2 at h = n/2; y = [u + w v, u - w v] per block', () => {
    const n = 16;
    for (const h of [1, 4, 8]) {
      const d = butterflyDiagonals(n, h, fftTwiddles(h));
      expect(d.size).toBe(h === n / 2 ? 2 : 3);
      const x = uniformVec(n, h);
      const y = new Float64Array(n);
      const yi = new Float64Array(n);
      for (const [k, v] of d) {
        for (let i = 0; i < n; i++) {
          y[i] += v.re[i] * x[(i + k + n) % n];
          yi[i] += v.im[i] * x[(i + k + n) % n];
        }
      }
      const w = fftTwiddles(h);
      for (let i = 0; i < n; i++) {
        const j = i % (2 * h);
        const top = j < h;
        const u = top ? x[i] : x[i - h];
        const v = top ? x[i + h] : x[i];
        const s = top ? 1 : -1;
        expect(y[i]).toBeCloseTo(u + s * w.re[i % h] * v, 12);
        expect(yi[i]).toBeCloseTo(s * w.im[i % h] * v, 12);
      }
    }
    expect(() => butterflyDiagonals(16, 16, fftTwiddles(16))).toThrow(CkksError);
    expect(() => butterflyDiagonals(16, 4, fftTwiddles(2))).toThrow(CkksError);
  });

  it('giantCost trades giant steps for baby steps', () => {
    // A radix-32 stage: diagonals -31..31 (63), as in CoeffsToSlots.
    const ks = Array.from({ length: 63 }, (_, i) => i - 31);
    const p1 = planLinearTransform(ks, 1024);
    const p8 = planLinearTransform(ks, 1024, { giantCost: 8 });
    expect(p1.babySteps.length + p1.giantSteps.length).toBeLessThanOrEqual(p8.babySteps.length + p8.giantSteps.length);
    expect(p8.giantSteps.length).toBeLessThan(p1.giantSteps.length);
    const cost = (p: typeof p1, w: number) => p.babySteps.length + w * p.giantSteps.length;
    expect(cost(p8, 8)).toBeLessThan(cost(p1, 8));
    expect(planLinearTransform(ks, 1024, { giantCost: 1 })).toEqual(p1);
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => planLinearTransform(ks, 1024, { giantCost: bad })).toThrow(CkksError);
  });

  it('bad plans are refused', () => {
    expect(() => planLinearTransform([0], 12)).toThrow(CkksError);
    expect(() => planLinearTransform([], 16)).toThrow(CkksError);
    expect(() => planLinearTransform([1, 17], 16)).toThrow(/given twice/);
    expect(() => planLinearTransform([1], 16, { baby: 3 })).toThrow(CkksError);
  });
});

describe('encrypted transforms (logN 11)', () => {
  let ctx: Ctx;
  const denseM = uniformVec(DENSE_N * DENSE_N, 11, -1, 1).map((v) => v / 8);
  const bandM = bandMatrix(BAND_N, 2, 12);
  const fly = butterflyDiagonals(FFT_N, FFT_H, fftTwiddles(FFT_H));
  beforeAll(() => {
    const steps = new Set<number>([
      ...linearTransformSteps(diagonalsOf(denseM, DENSE_N).keys(), DENSE_N),
      ...linearTransformSteps(diagonalsOf(bandM, BAND_N).keys(), BAND_N),
      ...linearTransformSteps(fly.keys(), FFT_N),
    ]);
    ctx = makeCtx(SHALLOW11, { steps: [...steps] });
  });

  function check(lt: LinearTransform, x: ReturnType<typeof encrypt>) {
    ctx.ev.resetCounters();
    const y = lt.evaluate(ctx.ev, x);
    const c = ctx.ev.counters;
    expect(c.rotations).toBe(lt.plan.rotations);
    expect(c.keySwitches).toBe(lt.plan.rotations);
    expect(c.decompositions).toBe(lt.plan.decompositions);
    expect(c.ptMultiplications).toBe(lt.plan.ptMultiplications);
    expect(c.rescales).toBe(1);
    expect(c.ctMultiplications).toBe(0);
    expect(y.level).toBe(x.level - lt.plan.levels);
    expect(Math.abs(y.scale / x.scale - 1)).toBeLessThan(2 ** -50);
    return y;
  }

  it('random dense 64 x 64, sparse packing (64 slots replicated)', () => {
    const diags = diagonalsOf(denseM, DENSE_N);
    expect(diags.size).toBe(DENSE_N);
    const x = uniformVec(DENSE_N, 13);
    const ct = encrypt(ctx, x, { slots: DENSE_N });
    const lt = new LinearTransform(ctx.encoder, diags, DENSE_N, ct.level);
    expect(lt.plan.rotations).toBe(14);
    const y = check(lt, ct);
    expect(y.slots).toBe(DENSE_N);
    expectBits('dense 64', decrypt(ctx, y), matVec(denseM, x, DENSE_N), 17);
  });

  it('compact diagonals: one word per run of N/2n, the same products bit for bit, other encodings refused', () => {
    const N = ctx.params.N;
    for (const n of [1, 4, DENSE_N, 256, N / 2]) {
      const pt = ctx.encoder.encode(uniformVec(n, 30 + n), 2, 2 ** 30, n);
      const cpt = compactPlaintext(ctx.params, pt);
      expect(cpt.repeat).toBe(N / (2 * n));
      expect(cpt.data.length).toBe((3 * N) / cpt.repeat);
      const x = encrypt(ctx, uniformVec(N / 2, 31), { level: 2 });
      for (const level of [2, 1]) {
        const a = zeroCiphertext(ctx.params, level, x.scale * pt.scale, n);
        const b = zeroCiphertext(ctx.params, level, x.scale * pt.scale, n);
        mulPlainThenAdd(ctx.ev, a, x, pt);
        mulCompactPlainThenAdd(ctx.ev, b, x, cpt);
        mulCompactPlainThenAdd(ctx.ev, b, x, cpt);
        mulPlainThenAdd(ctx.ev, a, x, pt);
        expect(b.c[0].data).toEqual(a.c[0].data);
        expect(b.c[1].data).toEqual(a.c[1].data);
      }
    }
    // A full-slot encoding that claims fewer slots has no runs: refused, not silently truncated.
    const full = ctx.encoder.encode(uniformVec(N / 2, 32), 2, 2 ** 30);
    full.slots = DENSE_N;
    expect(() => compactPlaintext(ctx.params, full)).toThrow(CkksError);
    const lt = new LinearTransform(ctx.encoder, diagonalsOf(denseM, DENSE_N), DENSE_N, 2, { hoisting: 'single' });
    expect(lt.byteLength).toBe(DENSE_N * 3 * 4 * DENSE_N * 2);
    // Double hoisting keeps the diagonals over Q_2 ∪ P: |P| limbs more each.
    const dh = new LinearTransform(ctx.encoder, diagonalsOf(denseM, DENSE_N), DENSE_N, 2);
    expect(dh.doubleHoisting).toBe(true);
    expect(dh.byteLength).toBe(DENSE_N * (3 + ctx.params.P.length) * 4 * DENSE_N * 2);
  });

  it('diagonals held as coefficients: the compact NTT words by an NTT of N/r points, the same transforms bit for bit, 13.5 times less at 27 limbs', () => {
    const N = ctx.params.N;
    const K = ctx.params.P.length;
    for (const n of [1, 4, DENSE_N, 256, N / 4]) {
      const v = { re: uniformVec(n, 40 + n), im: uniformVec(n, 50 + n) };
      const repeat = N / (2 * n);
      const coeffs = ctx.encoder.encodeRounded(v, 2, 2 ** 30, n);
      expect(coeffs.length).toBe(2 * n);
      for (const extended of [false, true]) {
        const want = extended ? compactExtended(ctx.params, ctx.encoder.encodeExtended(v, 2, 2 ** 30, n), 2, 2 ** 30, n) : compactPlaintext(ctx.params, ctx.encoder.encode(v, 2, 2 ** 30, n));
        const got = diagonalWords(ctx.params, { coeffs, repeat, level: 2, scale: 2 ** 30, slots: n, extended });
        expect(got.length).toBe(((3 + (extended ? K : 0)) * N) / repeat);
        expect(got).toEqual(want.data);
      }
    }
    // The edges of the range: coefficients 0, +-1, +-(2^52 - 1) and +-2^60 + 2^9 (above 2^52: by %) reduce exactly.
    const edgeValues = [0, 1, -1, 2 ** 52 - 1, -(2 ** 52 - 1), 2 ** 60 + 512, -(2 ** 60 + 512)];
    const edge = new Float64Array(N / 2);
    edge.set(edgeValues);
    const w = diagonalWords(ctx.params, { coeffs: edge, repeat: 2, level: 0, scale: 1, slots: N / 4, extended: false });
    const q = ctx.params.Q[0];
    const direct = new Uint32Array(N);
    edgeValues.forEach((v, i) => (direct[2 * i] = Number(((BigInt(v) % BigInt(q)) + BigInt(q)) % BigInt(q))));
    forwardNtt(direct, ctx.params.basisQP.tables[0]);
    expect(w).toEqual(direct.filter((_, i) => i % 2 === 0));
    // Transforms with either form give the same words, with both hoistings.
    const diags = diagonalsOf(denseM, DENSE_N);
    const x = encrypt(ctx, uniformVec(DENSE_N, 41), { slots: DENSE_N });
    for (const hoisting of ['single', 'double'] as const) {
      const ntt = new LinearTransform(ctx.encoder, diags, DENSE_N, x.level, { hoisting });
      const co = new LinearTransform(ctx.encoder, diags, DENSE_N, x.level, { hoisting, diagonalForm: 'coefficients' });
      expect(co.diagonalForm).toBe('coefficients');
      expect(co.byteLength).toBe(DENSE_N * 2 * DENSE_N * 8);
      const a = check(co, x);
      const b = ntt.evaluate(ctx.ev, x);
      expect(a.c[0].data).toEqual(b.c[0].data);
      expect(a.c[1].data).toEqual(b.c[1].data);
    }
    // Refused: full slots (no runs), an unknown form, coefficients from 2^52 up.
    expect(() => new LinearTransform(ctx.encoder, new Map([[0, uniformVec(N / 2, 43)]]), N / 2, 2, { diagonalForm: 'coefficients' })).toThrow(/n < N\/2/);
    expect(() => new LinearTransform(ctx.encoder, diags, DENSE_N, 2, { diagonalForm: 'eval' as 'ntt' })).toThrow(/diagonalForm/);
    expect(() => ctx.encoder.encodeRounded([1], 2, 2 ** 200, 1)).toThrow(CkksError);
    expect(() => diagonalWords(ctx.params, { coeffs: new Float64Array(3), repeat: 2, level: 0, scale: 1, slots: 4, extended: false })).toThrow(/coefficients/);
  });

  it('random banded 256 x 256 (5 diagonals), one level below the top', () => {
    const x = uniformVec(BAND_N, 14);
    const ct = encrypt(ctx, x, { slots: BAND_N, level: 2 });
    const lt = new LinearTransform(ctx.encoder, diagonalsOf(bandM, BAND_N), BAND_N, 2);
    const y = check(lt, ct);
    expectBits('banded 256', decrypt(ctx, y), matVec(bandM, x, BAND_N), 18);
  });

  it('a butterfly stage of a 1024-point FFT (3 complex diagonals) on a complex input, full slots', () => {
    const re = uniformVec(FFT_N, 15);
    const im = uniformVec(FFT_N, 16);
    const ct = ctx.enc.encrypt(ctx.encoder.encode({ re, im }, ctx.params.maxLevel, undefined, FFT_N));
    const lt = new LinearTransform(ctx.encoder, fly, FFT_N, ct.level);
    expect(lt.plan.rotations).toBe(2);
    const y = check(lt, ct);
    const wantRe = new Float64Array(FFT_N);
    const wantIm = new Float64Array(FFT_N);
    for (let i = 0; i < FFT_N; i++) {
      for (const [k, d] of fly) {
        const j = (((i + k) % FFT_N) + FFT_N) % FFT_N;
        wantRe[i] += d.re[i] * re[j] - d.im[i] * im[j];
        wantIm[i] += d.re[i] * im[j] + d.im[i] * re[j];
      }
    }
    const got = decrypt(ctx, y);
    expectBits('butterfly', got, { re: wantRe, im: wantIm }, 17);
  });

  it('lazy giant steps (one ModDown) and complete rotations agree, with the same counters', () => {
    const diags = diagonalsOf(denseM, DENSE_N);
    const x = uniformVec(DENSE_N, 20);
    const ct = encrypt(ctx, x, { slots: DENSE_N });
    const lazy = new LinearTransform(ctx.encoder, diags, DENSE_N, ct.level, { hoisting: 'single' });
    const eager = new LinearTransform(ctx.encoder, diags, DENSE_N, ct.level, { hoisting: 'single', lazyGiants: false });
    expect(lazy.lazyGiants).toBe(true);
    expect(eager.lazyGiants).toBe(false);
    const a = check(lazy, ct);
    const b = check(eager, ct);
    const want = matVec(denseM, x, DENSE_N);
    expectBits('dense 64 lazy', decrypt(ctx, a), want, 17);
    expectBits('dense 64 eager', decrypt(ctx, b), want, 17);
    expectBits('lazy vs eager', decrypt(ctx, a), decrypt(ctx, b), 17);
  });

  it('double hoisting (baby steps over Q_l ∪ P) agrees with single hoisting, with the same counters', () => {
    const x = uniformVec(BAND_N, 24);
    const ct = encrypt(ctx, x, { slots: BAND_N, level: 2 });
    for (const [M, n, c] of [[bandM, BAND_N, ct], [denseM, DENSE_N, encrypt(ctx, x.subarray(0, DENSE_N), { slots: DENSE_N })]] as const) {
      const diags = diagonalsOf(M, n);
      const dbl = new LinearTransform(ctx.encoder, diags, n, c.level, { hoisting: 'double' });
      const sgl = new LinearTransform(ctx.encoder, diags, n, c.level, { hoisting: 'single' });
      expect(dbl.doubleHoisting).toBe(true);
      expect(sgl.doubleHoisting).toBe(false);
      const a = check(dbl, c);
      const b = check(sgl, c);
      const want = matVec(M, x.subarray(0, n), n);
      expectBits(`double ${n}`, decrypt(ctx, a), want, 17);
      expectBits(`double vs single ${n}`, decrypt(ctx, a), decrypt(ctx, b), 17);
    }
    // Without baby steps (one diagonal per giant step) double hoisting saves nothing: not the default.
    const giantsOnly = new LinearTransform(ctx.encoder, new Map([[0, uniformVec(DENSE_N, 25)], [8, uniformVec(DENSE_N, 26)]]), DENSE_N, 2, { baby: 1 });
    expect(giantsOnly.doubleHoisting).toBe(false);
    expect(() => new LinearTransform(ctx.encoder, diagonalsOf(denseM, DENSE_N), DENSE_N, 2, { hoisting: 'triple' as 'double' })).toThrow(CkksError);
  });

  it('Encoder.encodeExtended: the Q limbs of encode, and the same integers modulo the primes of P', () => {
    const n = DENSE_N;
    const v = uniformVec(n, 27);
    const level = 2;
    const scale = 2 ** 20; // coefficients far below q_0 / 2: readable from limb 0 alone
    const pt = ctx.encoder.encode(v, level, scale, n);
    const ext = ctx.encoder.encodeExtended(v, level, scale, n);
    const N = ctx.params.N;
    const K = ctx.params.P.length;
    expect(ext.limbs).toBe(level + 1 + K);
    expect(ext.data.subarray(0, (level + 1) * N)).toEqual(pt.poly.data.subarray(0, (level + 1) * N));
    const q0 = ctx.params.Q[0];
    const m = pt.poly.data.slice(0, N);
    inverseNtt(m, ctx.params.basisQ.tables[0]);
    const nQ = ctx.params.Q.length;
    for (let k = 0; k < K; k++) {
      const p = ctx.params.P[k];
      const limb = ext.data.slice((level + 1 + k) * N, (level + 2 + k) * N);
      inverseNtt(limb, ctx.params.basisQP.tables[nQ + k]);
      for (let c = 0; c < N; c++) {
        const centred = BigInt(m[c] > q0 / 2 ? m[c] - q0 : m[c]);
        expect(limb[c]).toBe(Number(((centred % BigInt(p)) + BigInt(p)) % BigInt(p)));
      }
    }
  });

  it('LazyRotationSum: sum of rotations with one ModDown; typed errors', () => {
    const n = DENSE_N;
    const xs = [uniformVec(n, 21), uniformVec(n, 22), uniformVec(n, 23)];
    const steps = [0, 1, 8];
    const cts = xs.map((v) => encrypt(ctx, v, { slots: n }));
    const sum = new LazyRotationSum(ctx.ev, cts[0].level, cts[0].scale, n);
    ctx.ev.resetCounters();
    cts.forEach((c, i) => sum.add(c, steps[i]));
    expect(ctx.ev.counters.rotations).toBe(2);
    const y = sum.finish();
    const want = new Float64Array(n);
    xs.forEach((v, i) => {
      for (let t = 0; t < n; t++) want[t] += v[(t + steps[i]) % n];
    });
    expectBits('lazy rotation sum', decrypt(ctx, y), want, 17);
    expect(() => sum.finish()).toThrow(CkksError);
    expect(() => sum.add(cts[0], 1)).toThrow(CkksError);
    const other = new LazyRotationSum(ctx.ev, cts[0].level, cts[0].scale, n);
    expect(() => other.add(cts[0], 100)).toThrow(MissingKeyError);
    expect(() => other.add(ctx.ev.dropLevelNew(cts[0], 1), 1)).toThrow(CkksError);
  });

  it('a forced split gives the same product with its own rotation count', () => {
    const diags = diagonalsOf(denseM, DENSE_N);
    const steps = linearTransformSteps(diags.keys(), DENSE_N, { baby: 4 });
    const own = makeCtx(SHALLOW11, { steps, relin: false, seed: 8 });
    const x = uniformVec(DENSE_N, 17);
    const ct = encrypt(own, x, { slots: DENSE_N });
    const lt = new LinearTransform(own.encoder, diags, DENSE_N, ct.level, { baby: 4 });
    expect(lt.rotationSteps()).toEqual(steps);
    own.ev.resetCounters();
    const y = lt.evaluate(own.ev, ct);
    expect(own.ev.counters.rotations).toBe(18);
    expectBits('dense 64, baby 4', decrypt(own, y), matVec(denseM, x, DENSE_N), 17);
  });

  describe('typed errors', () => {
    it('a missing Galois key: MissingKeyError before any work', () => {
      const diags = diagonalsOf(denseM, DENSE_N);
      const steps = linearTransformSteps(diags.keys(), DENSE_N);
      const partial = makeCtx(SHALLOW11, { steps: steps.slice(1), relin: false, seed: 9 });
      const ct = encrypt(partial, uniformVec(DENSE_N, 18), { slots: DENSE_N });
      const lt = new LinearTransform(partial.encoder, diags, DENSE_N, ct.level);
      partial.ev.resetCounters();
      expect(() => lt.evaluate(partial.ev, ct)).toThrow(MissingKeyError);
      expect(() => lt.evaluate(partial.ev, ct)).toThrow(new RegExp(`rotations ${steps[0]}`));
      expect(partial.ev.counters.rotations).toBe(0);
    });

    it('wrong level, wrong diagonal length, bad n or level', () => {
      const diags = diagonalsOf(denseM, DENSE_N);
      const lt = new LinearTransform(ctx.encoder, diags, DENSE_N, 3);
      const ct = encrypt(ctx, uniformVec(DENSE_N, 19), { slots: DENSE_N, level: 2 });
      expect(() => lt.evaluate(ctx.ev, ct)).toThrow(LevelMismatchError);
      expect(() => new LinearTransform(ctx.encoder, new Map([[0, new Float64Array(7)]]), 8, 3)).toThrow(/must have 8 values/);
      expect(() => new LinearTransform(ctx.encoder, new Map([[0, new Float64Array(4096)]]), 4096, 3)).toThrow(CkksError);
      expect(() => new LinearTransform(ctx.encoder, new Map([[0, new Float64Array(8)]]), 8, 0)).toThrow(LevelMismatchError);
      expect(() => diagonalsOf(new Float64Array(10), 3)).toThrow(CkksError);
    });
  });
});
