/**
 * Evaluator tests beyond the per-preset precision runs of scheme.test.ts:
 * hybrid key switching with several digits at every level (partial digits),
 * sparse slots, aliasing (out === input), level matching, the typed errors,
 * and the operation counters. Mostly at logN 12 (PN12QP180_INSECURE: 4
 * ciphertext primes, digits of 1) and logN 13 (PN13QP210_SEC128: 5 primes,
 * with digits of 2, dnum 3). Precision thresholds: ./helpers.ts.
 */

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../../src/ckks/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/encryption.js';
import { CkksError, LevelMismatchError, MissingKeyError, ParametersMismatchError, ScaleMismatchError } from '../../src/ckks/errors.js';
import { Evaluator } from '../../src/ckks/evaluator.js';
import { EvaluationKeys, KeyGenerator } from '../../src/rlwe/keys.js';
import { KeySwitcher } from '../../src/rlwe/keyswitch.js';
import { createParameters } from '../../src/ckks/params.js';
import { PN12QP180_INSECURE, PN12QP90_SEC128, PN13QP210_SEC128 } from '../../src/ckks/presets.js';
import { Ciphertext, Plaintext } from '../../src/ckks/types.js';
import { galoisElementForRotation } from '../../src/ntt/index.js';
import {
  type Ctx,
  decryptVec,
  encryptVec,
  expectBits,
  expectSameCiphertext,
  expectThrows,
  makeCtx,
  mapVec,
  randomVec,
  rotateRef,
} from './helpers.js';

const SPARSE = 64; // slots of the sparse tests (N/2 = 2048 at logN 12)

describe('Evaluator (logN 12)', () => {
  const NAME = 'PN12QP180_INSECURE';
  let ctx: Ctx;
  let x: Float64Array;
  let y: Float64Array;
  let cx: Ciphertext;
  let cy: Ciphertext;

  beforeAll(() => {
    // Steps for the full-slot tests (1, -1, 5) and the sparse ones (SPARSE + 1, SPARSE / 2, -(SPARSE - 1)).
    ctx = makeCtx(NAME, PN12QP180_INSECURE, { steps: [1, -1, 5, SPARSE + 1, SPARSE / 2, -(SPARSE - 1)], conjugate: true, seed: 21 });
    x = randomVec(ctx.n, 2101);
    y = randomVec(ctx.n, 2102);
    cx = encryptVec(ctx, x);
    cy = encryptVec(ctx, y);
  });

  describe('sparse slots (slots < N/2)', () => {
    let xs: Float64Array;
    let cs: Ciphertext;

    beforeAll(() => {
      xs = randomVec(SPARSE, 2201);
      cs = encryptVec(ctx, xs, { slots: SPARSE });
    });

    it('encrypts and decrypts 64 slots (the fresh full-slot threshold holds, with less noise in fewer slots)', () => {
      expect(cs.slots).toBe(SPARSE);
      const got = decryptVec(ctx, cs);
      expect(got.length).toBe(SPARSE);
      expectBits(NAME, 'sparse (64 slots) fresh', got, xs, ctx.th.fresh);
    });

    it('rotates the 64 slots cyclically: steps 1, -1, 64+1, 32, -(64-1), 64', () => {
      for (const k of [1, -1, SPARSE + 1, SPARSE / 2, -(SPARSE - 1)]) {
        const r = ctx.ev.rotateNew(cs, k);
        expect(r.slots).toBe(SPARSE);
        expectBits(NAME, `sparse (64 slots) rotate ${k}`, decryptVec(ctx, r), rotateRef(xs, k), ctx.th.rot);
      }
      // A ring rotation by 64 moves every copy of the 64-slot vector onto the next copy: the identity on the slots.
      // (It needs the key of 64, which was not generated: so check 65 = 64 + 1 against 1 instead, below.)
      const r1 = decryptVec(ctx, ctx.ev.rotateNew(cs, 1));
      const r65 = decryptVec(ctx, ctx.ev.rotateNew(cs, SPARSE + 1));
      expectBits(NAME, 'sparse rotate 65 vs rotate 1', r65, r1, ctx.th.rot);
    });

    it('hoisted sparse rotations equal plain ones; mul + rescale keeps the slot count', () => {
      const steps = [1, SPARSE / 2, -(SPARSE - 1)];
      const hs = ctx.ev.rotateHoistedNew(cs, steps);
      steps.forEach((k, i) => {
        expect(hs[i].slots).toBe(SPARSE);
        expectBits(NAME, `sparse hoisted rotate ${k} vs rotate`, decryptVec(ctx, hs[i]), decryptVec(ctx, ctx.ev.rotateNew(cs, k)), ctx.th.rot);
      });
      const m = ctx.ev.rescaleNew(ctx.ev.mulRelinNew(cs, cs));
      expect(m.slots).toBe(SPARSE);
      expectBits(NAME, 'sparse mul + relin + rescale', decryptVec(ctx, m), mapVec(xs, (v) => v * v), ctx.th.mul);
    });
  });

  describe('aliasing: out === an input gives the same ciphertext as a fresh out', () => {
    const alias = (a: Ciphertext) => a.clone(ctx.params);

    it('add, sub (out === a, out === b, a === b === out)', () => {
      for (const op of ['add', 'sub'] as const) {
        const want = op === 'add' ? ctx.ev.addNew(cx, cy) : ctx.ev.subNew(cx, cy);
        const a = alias(cx);
        expectSameCiphertext(ctx.ev[op](a, cy, a), want, `${op} out === a`);
        const b = alias(cy);
        expectSameCiphertext(ctx.ev[op](cx, b, b), want, `${op} out === b`);
        const s = alias(cx);
        const wantSelf = op === 'add' ? ctx.ev.addNew(cx, cx) : ctx.ev.subNew(cx, cx);
        expectSameCiphertext(ctx.ev[op](s, s, s), wantSelf, `${op} a === b === out`);
      }
    });

    it('negate, addPlain, subPlain, addConst', () => {
      const pt = ctx.encoder.encode(y, cx.level);
      let a = alias(cx);
      expectSameCiphertext(ctx.ev.negate(a, a), ctx.ev.negateNew(cx), 'negate');
      a = alias(cx);
      expectSameCiphertext(ctx.ev.addPlain(a, pt, a), ctx.ev.addPlainNew(cx, pt), 'addPlain');
      a = alias(cx);
      expectSameCiphertext(ctx.ev.subPlain(a, pt, a), ctx.ev.subPlainNew(cx, pt), 'subPlain');
      a = alias(cx);
      expectSameCiphertext(ctx.ev.addConst(a, 0.25, a), ctx.ev.addConstNew(cx, 0.25), 'addConst');
    });

    it('mul (out === a, out === b, square in place), relinearize, mulRelin', () => {
      const want = ctx.ev.mulNew(cx, cy);
      let a = alias(cx);
      expectSameCiphertext(ctx.ev.mul(a, cy, a), want, 'mul out === a');
      const b = alias(cy);
      expectSameCiphertext(ctx.ev.mul(cx, b, b), want, 'mul out === b');
      a = alias(cx);
      expectSameCiphertext(ctx.ev.square(a, a), ctx.ev.squareNew(cx), 'square out === a');
      const wantRl = ctx.ev.relinearizeNew(want);
      const d2 = alias(want);
      expectSameCiphertext(ctx.ev.relinearize(d2, d2), wantRl, 'relinearize out === a');
      a = alias(cx);
      expectSameCiphertext(ctx.ev.mulRelin(a, cy, a), wantRl, 'mulRelin out === a');
      // The aliased results also decrypt correctly (not merely equally wrong).
      expectBits(NAME, 'aliased mulRelin (degree 1, scale^2)', decryptVec(ctx, a), mapVec(x, (v, i) => v * y[i]), ctx.th.mul);
    });

    it('rescale, dropLevel (degree 1 and degree 2)', () => {
      const m = ctx.ev.mulRelinNew(cx, cy);
      let a = alias(m);
      expectSameCiphertext(ctx.ev.rescale(a, a), ctx.ev.rescaleNew(m), 'rescale out === a');
      const d2 = ctx.ev.mulNew(cx, cy);
      a = alias(d2);
      expectSameCiphertext(ctx.ev.rescale(a, a), ctx.ev.rescaleNew(d2), 'rescale degree 2 out === a');
      a = alias(cx);
      expectSameCiphertext(ctx.ev.dropLevel(a, 2, a), ctx.ev.dropLevelNew(cx, 2), 'dropLevel out === a');
    });

    it('rotate, conjugate', () => {
      for (const k of [1, -1, 0]) {
        const a = alias(cx);
        expectSameCiphertext(ctx.ev.rotate(a, k, a), ctx.ev.rotateNew(cx, k), `rotate ${k} out === a`);
      }
      const a = alias(cx);
      expectSameCiphertext(ctx.ev.conjugate(a, a), ctx.ev.conjugateNew(cx), 'conjugate out === a');
      expectBits(NAME, 'aliased conjugate (real input)', decryptVec(ctx, a), x, ctx.th.rot);
    });

    it('mulPlain, mulConst', () => {
      const pt = ctx.encoder.encode(y, cx.level);
      let a = alias(cx);
      expectSameCiphertext(ctx.ev.mulPlain(a, pt, a), ctx.ev.mulPlainNew(cx, pt), 'mulPlain out === a');
      a = alias(cx);
      expectSameCiphertext(ctx.ev.mulConst(a, -0.625, a), ctx.ev.mulConstNew(cx, -0.625), 'mulConst out === a');
      expectBits(NAME, 'aliased mulConst + rescale', decryptVec(ctx, ctx.ev.rescaleNew(a)), mapVec(x, (v) => -0.625 * v), ctx.th.mul);
    });

    it('an out of another degree and level is reshaped', () => {
      const want = ctx.ev.addNew(cx, cy);
      const low = new Ciphertext(ctx.params, 2, 0, 1, ctx.n); // degree 2, level 0
      expectSameCiphertext(ctx.ev.add(cx, cy, low), want, 'add into a degree-2 level-0 out');
      const m = ctx.ev.mulRelinNew(cx, cy);
      const high = new Ciphertext(ctx.params, 2, ctx.params.maxLevel, 1, ctx.n);
      expectSameCiphertext(ctx.ev.rescale(m, high), ctx.ev.rescaleNew(m), 'rescale into a degree-2 top-level out');
      const r = new Ciphertext(ctx.params, 1, 1, 1, ctx.n);
      expectSameCiphertext(ctx.ev.rotate(cx, 1, r), ctx.ev.rotateNew(cx, 1), 'rotate into a level-1 out');
    });
  });

  describe('level matching', () => {
    it('without matchLevels, a level mismatch throws LevelMismatchError naming the operation', () => {
      const low = ctx.ev.dropLevelNew(cy, 1);
      expect(low.level).toBe(cy.level - 1);
      expectThrows(() => ctx.ev.addNew(cx, low), LevelMismatchError, 'LEVEL_MISMATCH', /^Evaluator\.add: .*same level, got 3 and 2/);
      expectThrows(() => ctx.ev.subNew(cx, low), LevelMismatchError, 'LEVEL_MISMATCH', /Evaluator\.sub/);
      expectThrows(() => ctx.ev.mulNew(cx, low), LevelMismatchError, 'LEVEL_MISMATCH', /Evaluator\.mul/);
      const ptLow = ctx.encoder.encode(y, cx.level - 1);
      expectThrows(() => ctx.ev.addPlainNew(cx, ptLow), LevelMismatchError, 'LEVEL_MISMATCH', /Evaluator\.addPlain/);
      expectThrows(() => ctx.ev.subPlainNew(cx, ptLow), LevelMismatchError, 'LEVEL_MISMATCH', /Evaluator\.subPlain/);
      expectThrows(() => ctx.ev.mulPlainNew(cx, ptLow), LevelMismatchError, 'LEVEL_MISMATCH', /Evaluator\.mulPlain/);
      const ptHigh = ctx.encoder.encode(y, cx.level);
      expectThrows(() => ctx.ev.mulPlainNew(low, ptHigh), LevelMismatchError, 'LEVEL_MISMATCH', /Evaluator\.mulPlain/);
    });

    it('with { matchLevels: true } the higher operand is dropped and the result is right', () => {
      const ev = new Evaluator(ctx.params, ctx.keys, { matchLevels: true });
      const L = ctx.params.maxLevel;
      const low = ev.dropLevelNew(cy, 2);
      for (const [a, b] of [
        [cx, low],
        [low, cx],
      ]) {
        const s = ev.addNew(a, b);
        expect(s.level).toBe(L - 2);
        expectBits(NAME, 'matchLevels add', decryptVec(ctx, s), mapVec(x, (v, i) => v + y[i]), ctx.th.add);
        const d = ev.subNew(a, b);
        expect(d.level).toBe(L - 2);
        const sign = a === cx ? 1 : -1;
        expectBits(NAME, 'matchLevels sub', decryptVec(ctx, d), mapVec(x, (v, i) => sign * (v - y[i])), ctx.th.add);
        const m = ev.rescaleNew(ev.mulRelinNew(a, b));
        expect(m.level).toBe(L - 3);
        expectBits(NAME, 'matchLevels mul + relin + rescale', decryptVec(ctx, m), mapVec(x, (v, i) => v * y[i]), ctx.th.mul);
      }
      // In place, the higher operand being out.
      const a = cx.clone(ctx.params);
      ev.add(a, low, a);
      expect(a.level).toBe(L - 2);
      expectBits(NAME, 'matchLevels add in place', decryptVec(ctx, a), mapVec(x, (v, i) => v + y[i]), ctx.th.add);
      // Plaintexts at another level than the ciphertext.
      const ptHigh = ctx.encoder.encode(y, L);
      const ptLow = ctx.encoder.encode(y, L - 1);
      const ap = ev.addPlainNew(low, ptHigh);
      expect(ap.level).toBe(L - 2);
      expectBits(NAME, 'matchLevels addPlain (pt higher)', decryptVec(ctx, ap), mapVec(y, (v) => 2 * v), ctx.th.add);
      const ap2 = ev.addPlainNew(cx, ptLow);
      expect(ap2.level).toBe(L - 1);
      expectBits(NAME, 'matchLevels addPlain (pt lower)', decryptVec(ctx, ap2), mapVec(x, (v, i) => v + y[i]), ctx.th.add);
      const mp = ev.mulPlainNew(cx, ptLow);
      expect(mp.level).toBe(L - 1);
      expectBits(NAME, 'matchLevels mulPlain (pt lower) + rescale', decryptVec(ctx, ev.rescaleNew(mp)), mapVec(x, (v, i) => v * y[i]), ctx.th.mul);
    });
  });

  describe('errors', () => {
    it('scale mismatch: ScaleMismatchError naming the operation', () => {
      const other = encryptVec(ctx, y, { scale: 2 ** 31 });
      expectThrows(() => ctx.ev.addNew(cx, other), ScaleMismatchError, 'SCALE_MISMATCH', /^Evaluator\.add: .*2\^30\.0000 and 2\^31\.0000/);
      expectThrows(() => ctx.ev.subNew(cx, other), ScaleMismatchError, 'SCALE_MISMATCH', /Evaluator\.sub/);
      const pt = ctx.encoder.encode(y, cx.level, 2 ** 29);
      expectThrows(() => ctx.ev.addPlainNew(cx, pt), ScaleMismatchError, 'SCALE_MISMATCH', /Evaluator\.addPlain/);
      // After mul + rescale the scale is 2^60 / q_L, not 2^30: adding a fresh ciphertext without care is refused.
      const m = ctx.ev.rescaleNew(ctx.ev.mulRelinNew(cx, cy));
      const fresh = encryptVec(ctx, y, { level: m.level });
      expectThrows(() => ctx.ev.addNew(m, fresh), ScaleMismatchError, 'SCALE_MISMATCH');
      // Multiplication accepts any scales (the result has their product).
      expect(ctx.ev.mulNew(cx, other).scale).toBe(2 ** 61);
    });

    it('missing keys: MissingKeyError (rotation, hoisted rotation before any work, conjugation, relinearization)', () => {
      expectThrows(() => ctx.ev.rotateNew(cx, 7), MissingKeyError, 'MISSING_KEY', /Evaluator\.rotate: .*rotation by 7/);
      ctx.ev.resetCounters();
      expectThrows(() => ctx.ev.rotateHoistedNew(cx, [1, 7]), MissingKeyError, 'MISSING_KEY', /rotation by 7/);
      expect(ctx.ev.counters.decompositions).toBe(0);
      expect(ctx.ev.counters.rotations).toBe(0);
      const bare = new Evaluator(ctx.params);
      expectThrows(() => bare.conjugateNew(cx), MissingKeyError, 'MISSING_KEY', /Evaluator\.conjugate/);
      expectThrows(() => bare.rotateNew(cx, 1), MissingKeyError, 'MISSING_KEY');
      const d2 = bare.mulNew(cx, cy); // multiplication itself needs no key
      expectThrows(() => bare.relinearizeNew(d2), MissingKeyError, 'MISSING_KEY', /Evaluator\.relinearize/);
      expectThrows(() => bare.mulRelinNew(cx, cy), MissingKeyError, 'MISSING_KEY');
      // Rotation by 0 needs no key.
      expectSameCiphertext(bare.rotateNew(cx, 0), cx, 'rotate 0 without keys');
    });

    it('rescale at level 0 and dropping too many levels: LevelMismatchError', () => {
      const c0 = encryptVec(ctx, x, { level: 0 });
      expectThrows(() => ctx.ev.rescaleNew(c0), LevelMismatchError, 'LEVEL_MISMATCH', /^Evaluator\.rescale: .*level 0/);
      expectThrows(() => ctx.ev.rescale(c0, c0), LevelMismatchError, 'LEVEL_MISMATCH');
      expectThrows(() => ctx.ev.dropLevelNew(cx, cx.level + 1), LevelMismatchError, 'LEVEL_MISMATCH', /Evaluator\.dropLevel/);
    });

    it('degree-2 inputs refused by rotate, hoisted rotate, conjugate and mul', () => {
      const d2 = ctx.ev.mulNew(cx, cy);
      expectThrows(() => ctx.ev.rotateNew(d2, 1), CkksError, 'INVALID_ARGUMENT', /^Evaluator\.rotate: .*degree 1/);
      expectThrows(() => ctx.ev.rotate(d2, 1, d2), CkksError, 'INVALID_ARGUMENT');
      expectThrows(() => ctx.ev.rotateHoistedNew(d2, [1]), CkksError, 'INVALID_ARGUMENT', /degree 1/);
      expectThrows(() => ctx.ev.conjugateNew(d2), CkksError, 'INVALID_ARGUMENT', /Evaluator\.conjugate/);
      expectThrows(() => ctx.ev.mulNew(d2, cx), CkksError, 'INVALID_ARGUMENT', /Evaluator\.mul: .*degree 1/);
      expectThrows(() => ctx.ev.rotateNew(cx, 1.5), CkksError, 'INVALID_ARGUMENT', /safe integer/);
    });

    it('objects from other parameters: ParametersMismatchError', () => {
      const other = makeCtx('PN12QP180_INSECURE', PN12QP90_SEC128, { seed: 99 }); // logN 12 too, other primes
      expect(other.params.fingerprint).not.toBe(ctx.params.fingerprint);
      const ox = encryptVec(other, randomVec(other.n, 1));
      const opt = other.encoder.encode(y, 1);
      expectThrows(() => ctx.ev.addNew(cx, ox), ParametersMismatchError, 'PARAMETERS_MISMATCH', /^Evaluator\.add: b was made under parameters/);
      expectThrows(() => ctx.ev.rotateNew(ox, 1), ParametersMismatchError, 'PARAMETERS_MISMATCH', /Evaluator\.rotate/);
      expectThrows(() => ctx.ev.mulPlainNew(ctx.ev.dropLevelNew(cx, cx.level - 1), opt), ParametersMismatchError, 'PARAMETERS_MISMATCH');
      expectThrows(() => ctx.ev.add(cx, cy, ox), ParametersMismatchError, 'PARAMETERS_MISMATCH', /out/);
      expectThrows(() => ctx.dec.decrypt(ox), ParametersMismatchError, 'PARAMETERS_MISMATCH', /Decryptor\.decrypt/);
      expectThrows(() => ctx.sym.encrypt(opt), ParametersMismatchError, 'PARAMETERS_MISMATCH', /Encryptor\.encrypt/);
      expectThrows(() => ctx.encoder.decode(opt), ParametersMismatchError, 'PARAMETERS_MISMATCH', /Encoder\.decode/);
      expectThrows(() => new Evaluator(ctx.params, other.keys), ParametersMismatchError, 'PARAMETERS_MISMATCH', /^Evaluator: /);
      expectThrows(() => new Encryptor(ctx.params, other.sk), ParametersMismatchError, 'PARAMETERS_MISMATCH');
      expectThrows(() => new Encryptor(ctx.params, other.pk), ParametersMismatchError, 'PARAMETERS_MISMATCH');
      expectThrows(() => new Decryptor(ctx.params, other.sk), ParametersMismatchError, 'PARAMETERS_MISMATCH');
      expectThrows(() => ctx.kg.genRelinKey(other.sk), ParametersMismatchError, 'PARAMETERS_MISMATCH');
      // Parameters built again from the same literal are the same parameters.
      const again = createParameters(PN12QP180_INSECURE);
      expect(again).not.toBe(ctx.params);
      const ev2 = new Evaluator(again, ctx.keys);
      expectBits(NAME, 'evaluator on re-created parameters', decryptVec(ctx, ev2.addNew(cx, cy)), mapVec(x, (v, i) => v + y[i]), ctx.th.add);
    });

    it('a wiped secret key is refused by key generation, encryption and decryption', () => {
      const kg = new KeyGenerator(ctx.params);
      const sk = kg.genSecretKey();
      const dec = new Decryptor(ctx.params, sk);
      const enc = new Encryptor(ctx.params, sk);
      const pt = ctx.encoder.encode(x, 0);
      const ct = enc.encrypt(pt);
      expect(sk.isWiped).toBe(false);
      sk.wipe();
      expect(sk.isWiped).toBe(true);
      expect(sk.coeffs.every((c) => c === 0)).toBe(true);
      expect(sk.poly.data.every((c) => c === 0)).toBe(true);
      expectThrows(() => kg.genPublicKey(sk), CkksError, 'INVALID_ARGUMENT', /^KeyGenerator\.genPublicKey: .*wiped/);
      expectThrows(() => kg.genRelinKey(sk), CkksError, 'INVALID_ARGUMENT', /wiped/);
      expectThrows(() => kg.genGaloisKey(sk, 5), CkksError, 'INVALID_ARGUMENT', /wiped/);
      expectThrows(() => kg.genEvaluationKeys(sk, { steps: [1] }), CkksError, 'INVALID_ARGUMENT', /wiped/);
      expectThrows(() => enc.encrypt(pt), CkksError, 'INVALID_ARGUMENT', /wiped/);
      expectThrows(() => dec.decrypt(ct), CkksError, 'INVALID_ARGUMENT', /^Decryptor\.decrypt: .*wiped/);
      // Wiping twice is harmless; the shared context's key is unaffected.
      sk.wipe();
      expectBits(NAME, 'context still decrypts', decryptVec(ctx, cx), x, ctx.th.fresh);
    });
  });

  describe('properties (fast-check, seeded)', () => {
    it('random vectors, constants and rotation steps: add, sub, addConst, mulConst + rescale, mulPlain + rescale, rotate', () => {
      const L = ctx.params.maxLevel;
      const n = ctx.n;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((v) => v / 2 ** 19), // constants in [-2, 2] (fc.double favours tiny values)
          fc.constantFrom(0, 1, -1, 5, n - 1, 1 - n, n + 5, -n),
          (seed, c, k) => {
            const a = randomVec(n, seed);
            const b = randomVec(n, seed ^ 0x5bd1e995);
            const ca = encryptVec(ctx, a);
            const cb = encryptVec(ctx, b);
            const ab = mapVec(a, (v, i) => v + b[i]);
            expectBits(NAME, 'property: add', decryptVec(ctx, ctx.ev.addNew(ca, cb)), ab, ctx.th.add);
            expectBits(NAME, 'property: sub', decryptVec(ctx, ctx.ev.subNew(ca, cb)), mapVec(a, (v, i) => v - b[i]), ctx.th.add);
            expectBits(NAME, 'property: addConst', decryptVec(ctx, ctx.ev.addConstNew(ca, c)), mapVec(a, (v) => v + c), ctx.th.add);
            const mc = ctx.ev.rescaleNew(ctx.ev.mulConstNew(ca, c));
            expect(mc.scale).toBe(ca.scale);
            expectBits(NAME, 'property: mulConst + rescale', decryptVec(ctx, mc), mapVec(a, (v) => v * c), ctx.th.mul - 1);
            const mp = ctx.ev.rescaleNew(ctx.ev.mulPlainNew(ca, ctx.encoder.encode(b, L, ctx.params.Q[L])));
            expectBits(NAME, 'property: mulPlain + rescale', decryptVec(ctx, mp), mapVec(a, (v, i) => v * b[i]), ctx.th.mul);
            expectBits(NAME, `property: rotate ${k}`, decryptVec(ctx, ctx.ev.rotateNew(ca, k)), rotateRef(a, k), ctx.th.rot);
          },
        ),
        { numRuns: 8, seed: 20240607 },
      );
    });
  });

  describe('counters', () => {
    it('count rotations, key switches, decompositions, multiplications and rescales', () => {
      const ev = ctx.ev;
      ev.resetCounters();
      expect(ev.counters).toEqual({ rotations: 0, ctMultiplications: 0, ptMultiplications: 0, constMultiplications: 0, rescales: 0, keySwitches: 0, decompositions: 0 });
      ev.rotateNew(cx, 1);
      expect(ev.counters.rotations).toBe(1);
      expect(ev.counters.keySwitches).toBe(1);
      expect(ev.counters.decompositions).toBe(1);
      ev.rotateNew(cx, 0); // a copy
      expect(ev.counters.rotations).toBe(1);
      ev.conjugateNew(cx);
      expect(ev.counters.rotations).toBe(2);
      // Hoisting: one decomposition for all the steps; step 0 is a copy.
      ev.rotateHoistedNew(cx, [1, -1, 0, 5]);
      expect(ev.counters.rotations).toBe(5);
      expect(ev.counters.keySwitches).toBe(5);
      expect(ev.counters.decompositions).toBe(3);
      const m = ev.mulNew(cx, cy);
      ev.squareNew(cx);
      expect(ev.counters.ctMultiplications).toBe(2);
      ev.relinearizeNew(m);
      expect(ev.counters.keySwitches).toBe(6);
      expect(ev.counters.decompositions).toBe(4);
      ev.mulRelinNew(cx, cy);
      expect(ev.counters.ctMultiplications).toBe(3);
      expect(ev.counters.keySwitches).toBe(7);
      ev.mulPlainNew(cx, ctx.encoder.encode(y, cx.level));
      expect(ev.counters.ptMultiplications).toBe(1);
      ev.mulConstNew(cx, 3);
      expect(ev.counters.constMultiplications).toBe(1);
      ev.rescaleNew(m);
      expect(ev.counters.rescales).toBe(1);
      // Key-free additive operations count nothing.
      const before = { ...ev.counters };
      ev.addNew(cx, cy);
      ev.subNew(cx, cy);
      ev.negateNew(cx);
      ev.addConstNew(cx, 1);
      ev.dropLevelNew(cx, 1);
      expect(ev.counters).toEqual(before);
      ev.resetCounters();
      expect(Object.values(ev.counters).every((v) => v === 0)).toBe(true);
    });
  });
});

describe('hybrid key switching with several digits (PN13QP210_SEC128 with digits of 2 primes, dnum 3)', () => {
  const NAME = 'PN13QP210_SEC128_D2';
  /** The preset with its digit size pinned to 2 (the default is |P| - 1 = 1), for partial digits. */
  const LIT = { ...PN13QP210_SEC128, digitSize: 2 };
  let ctx: Ctx;
  let x: Float64Array;
  let y: Float64Array;

  beforeAll(() => {
    ctx = makeCtx(NAME, LIT, { steps: [1, -3], conjugate: true, seed: 31 });
    x = randomVec(ctx.n, 3101);
    y = randomVec(ctx.n, 3102);
  });

  it('has 3 digits at the top level, fewer (some partial) below', () => {
    expect(ctx.params.digitSize).toBe(2);
    expect(ctx.params.dnum).toBe(3);
    const ks = new KeySwitcher(ctx.params);
    // Level l uses q_0..q_l: digits {q0,q1}, {q2,q3}, {q4}; partial when l + 1 is odd.
    expect([0, 1, 2, 3, 4].map((l) => ks.digitsAt(l))).toEqual([1, 1, 2, 2, 3]);
    expect(ctx.keys.relin?.b.length).toBe(3);
    const dec = ks.decompose(encryptVec(ctx, x, { level: 2 }).c[1]);
    expect(dec.digits.length).toBe(2);
    expect(dec.digits[0].limbs).toBe(3 + ctx.params.P.length);
  });

  it('rotation, conjugation and relinearization at every level (encrypted directly there)', () => {
    for (let level = ctx.params.maxLevel; level >= 0; level--) {
      const cx = encryptVec(ctx, x, { level });
      const cy = encryptVec(ctx, y, { level });
      for (const k of [1, -3]) {
        expectBits(NAME, `level ${level}: rotate ${k}`, decryptVec(ctx, ctx.ev.rotateNew(cx, k)), rotateRef(x, k), ctx.th.rot);
      }
      expectBits(NAME, `level ${level}: conjugate`, decryptVec(ctx, ctx.ev.conjugateNew(cx)), x, ctx.th.rot);
      const d2 = ctx.ev.mulNew(cx, cy);
      const m = ctx.ev.relinearizeNew(d2);
      expect(m.level).toBe(level);
      if (level > 0) {
        const xy = mapVec(x, (v, i) => v * y[i]);
        // At scale 2^60 the relinearization noise is negligible: the fresh errors times the values remain.
        expectBits(NAME, `level ${level}: mul + relin`, decryptVec(ctx, m), xy, ctx.th.mul);
        expectBits(NAME, `level ${level}: mul + relin + rescale`, decryptVec(ctx, ctx.ev.rescaleNew(m)), xy, ctx.th.mul);
      } else {
        // A product at scale 2^60 does not fit in q_0 ~ 2^30, so compare the relinearized
        // ciphertext with the degree-2 one coefficient-wise modulo q_0: they differ by the
        // key-switching noise only. At level 0 the only digit is {q_0} (a partial digit), so
        // sum_j d_j e_j / P is ~2^30 e / 2^60 and the ModDown rounding dominates,
        // sqrt(2N/3 / 12) ~ 2^4.7 per coefficient, ~2^7 at most (measured 2^6.9).
        const diff = maxCenteredDiffModQ0(ctx, ctx.dec.decrypt(m), ctx.dec.decrypt(d2));
        expect(diff).toBeGreaterThan(0); // there is noise
        expect(diff).toBeLessThan(2 ** 10);
      }
    }
  });

  it('one evaluator key-switching at levels in any order gives the words of a fresh one (digit buffers shared by all levels)', () => {
    // Low first (small buffers), then the top (they grow and the low views go), then low again.
    const ev = new Evaluator(ctx.params, ctx.keys);
    for (const level of [1, 4, 0, 2, 4, 1, 3]) {
      const cx = encryptVec(ctx, x, { level });
      const cy = encryptVec(ctx, y, { level });
      const fresh = new Evaluator(ctx.params, ctx.keys);
      expectSameCiphertext(ev.rotateNew(cx, -3), fresh.rotateNew(cx, -3), `level ${level}: rotate -3`);
      expectSameCiphertext(ev.conjugateNew(cx), fresh.conjugateNew(cx), `level ${level}: conjugate`);
      expectSameCiphertext(ev.relinearizeNew(ev.mulNew(cx, cy)), fresh.relinearizeNew(fresh.mulNew(cx, cy)), `level ${level}: relinearize`);
      const hs = ev.rotateHoistedNew(cx, [1, -3]);
      expectSameCiphertext(hs[0], fresh.rotateNew(cx, 1), `level ${level}: hoisted 1`);
      expectSameCiphertext(hs[1], fresh.rotateNew(cx, -3), `level ${level}: hoisted -3`);
    }
  });

  it('after rescaling: rotations and relinearizations at levels 3 (full digits) and 2 (a partial digit)', () => {
    let c = encryptVec(ctx, x);
    let ref: Float64Array = Float64Array.from(x);
    for (const level of [3, 2]) {
      // Multiply by a fresh encryption of y at the current level, relinearize, rescale.
      const cy = encryptVec(ctx, y, { level: c.level });
      c = ctx.ev.rescaleNew(ctx.ev.mulRelinNew(c, cy));
      ref = mapVec(ref, (v, i) => v * y[i]);
      expect(c.level).toBe(level);
      expectBits(NAME, `after rescale to level ${level}: value`, decryptVec(ctx, c), ref, ctx.th.mul - 1);
      for (const k of [1, -3]) {
        expectBits(NAME, `after rescale to level ${level}: rotate ${k}`, decryptVec(ctx, ctx.ev.rotateNew(c, k)), rotateRef(ref, k), ctx.th.rot);
      }
      const hs = ctx.ev.rotateHoistedNew(c, [1, -3]);
      expectBits(NAME, `after rescale to level ${level}: hoisted rotate -3`, decryptVec(ctx, hs[1]), rotateRef(ref, -3), ctx.th.rot);
    }
  });

  it('an evaluator holding a subset of the keys: the present ones work, the absent ones are MissingKeyError', () => {
    const keys = new EvaluationKeys(ctx.params, ctx.keys.relin);
    const g1 = galoisElementForRotation(1, ctx.params.logN);
    const key1 = ctx.keys.galois.get(g1);
    expect(key1).toBeDefined();
    keys.galois.set(g1, key1!);
    const ev = new Evaluator(ctx.params, keys);
    const cx = encryptVec(ctx, x);
    expectBits(NAME, 'subset of keys: rotate 1', decryptVec(ctx, ev.rotateNew(cx, 1)), rotateRef(x, 1), ctx.th.rot);
    expectThrows(() => ev.rotateNew(cx, -3), MissingKeyError, 'MISSING_KEY');
    expectThrows(() => ev.conjugateNew(cx), MissingKeyError, 'MISSING_KEY');
  });
});

/** Max over coefficients of |a - b| centered modulo q_0, for two level-0 plaintexts (exact: q_0 < 2^53). */
function maxCenteredDiffModQ0(ctx: Ctx, a: Plaintext, b: Plaintext): number {
  expect(a.level).toBe(0);
  expect(b.level).toBe(0);
  a.scale = 1;
  b.scale = 1;
  const ca = ctx.encoder.decodeCoefficients(a);
  const cb = ctx.encoder.decodeCoefficients(b);
  const q = ctx.params.Q[0];
  let m = 0;
  for (let i = 0; i < ca.length; i++) {
    let d = (ca[i] - cb[i]) % q;
    if (d > q / 2) d -= q;
    if (d < -q / 2) d += q;
    m = Math.max(m, Math.abs(d));
  }
  return m;
}

describe('encoder and encryptor of one context agree with a second one on the same parameters', () => {
  it('ciphertexts are portable between objects built on equal parameters', () => {
    const ctx = makeCtx('PN12QP180_INSECURE', PN12QP180_INSECURE, { seed: 41 });
    const p2 = createParameters(PN12QP180_INSECURE);
    const enc2 = new Encoder(p2);
    const dec2 = new Decryptor(p2, ctx.sk);
    const x = randomVec(ctx.n, 4101);
    const ct = ctx.sym.encrypt(enc2.encode(x, p2.maxLevel));
    expectBits('PN12QP180_INSECURE', 'cross-object decrypt', enc2.decode(dec2.decrypt(ct)), x, ctx.th.fresh);
  });
});
