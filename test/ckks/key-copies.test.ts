/**
 * Keys held compact with whole lower copies (src/rlwe/compact.ts,
 * EvaluationKeys.lowGalois / lowRelin), and keys generated or loaded compact.
 *
 * - a key restricted to a lower level (`restrictSwitchingKey`, from a whole
 *   or a compact key) switches word for word as the key at every level it covers;
 * - key switching takes the copy at and below its level and the key above:
 *   shown with a poisoned key (a compact key with another key's seed), which
 *   gives the same words as the true key below the copy's level and different
 *   ones above it; rotations, hoisted rotations, relinearization, the lazy
 *   giant steps and both hoisting modes of a linear transform;
 * - `compactKeysAbove` holds compact exactly the keys above the level, copies
 *   the listed ones, makes whole the listed compact keys at the level, and
 *   allocates copies on SharedArrayBuffers when the keys are there;
 * - `genEvaluationKeys({ compact: true })` keeps no a_j and its keys
 *   serialize, load and switch correctly; `deserializeEvaluationKeys({
 *   compact: true })` holds seeded and full files compact, and refuses a full
 *   file whose a_j are not its seeds';
 * - the worker wire format carries the copies, and refuses a compact copy or
 *   one not below its key's level.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import {
  EvaluationKeys,
  Evaluator,
  INSECURE_OPT_IN,
  SerializationError,
  SwitchingKey,
  compactKeysAbove,
  compactSwitchingKey,
  deserializeEvaluationKeys,
  expandSwitchingKeyA,
  restrictSwitchingKey,
  serializeEvaluationKeys,
} from '../../src/ckks/index.js';
import { LinearTransform, diagonalsOf, linearTransformSteps } from '../../src/circuits/index.js';
import { RnsPoly, galoisElementForRotation } from '../../src/ntt/index.js';
import { keysFromWire, keysToWire } from '../../src/mlr/parallel.js';
import { TrainerError } from '../../src/mlr/index.js';
import { type Ctx, decryptVec, encryptVec, expectSameCiphertext, expectThrows, makeCtx, randomVec } from './helpers.js';

// logN 11, L = 6, three special primes, digits of 2 primes: dnum = 4 at the top.
const LIT = Object.freeze({ logN: 11, logQ: [30, 30, 30, 30, 30, 30, 30], logP: [30, 30, 30], logDefaultScale: 25, digitSize: 2, unsafeAllowInsecure: INSECURE_OPT_IN });
const LOW = 2; // the copies' level: 2 digits of 4
const T = 16; // transform size
const MATRIX = randomVec(T * T, 21);
const STEPS = [...new Set([1, 3, -5, ...linearTransformSteps(diagonalsOf(MATRIX, T).keys(), T)])];

const el = (ctx: Ctx, s: number): number => galoisElementForRotation(s, ctx.params.logN);
const same = (a: Uint32Array, b: Uint32Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

describe('compact keys with whole lower copies', () => {
  let ctx: Ctx;
  let tiered: EvaluationKeys;
  let poisoned: EvaluationKeys;

  beforeAll(() => {
    ctx = makeCtx('PN12QP180_INSECURE', LIT as never, { steps: STEPS });
    const elements = STEPS.map((s) => el(ctx, s));
    tiered = compactKeysAbove(ctx.params, ctx.keys, LOW, { lowElements: elements, lowRelin: true });
    // The same copies under keys that cannot be right: each compact key given another key's seed.
    const other = ctx.keys.galois.get(el(ctx, 1)) as SwitchingKey;
    const poison = (k: SwitchingKey): SwitchingKey => new SwitchingKey(ctx.params, k.b, [], k === other ? (ctx.keys.relin as SwitchingKey).seed : other.seed, k.level, true);
    poisoned = new EvaluationKeys(ctx.params, poison(ctx.keys.relin as SwitchingKey), new Map([...ctx.keys.galois].map(([g, k]) => [g, poison(k)])), {
      relin: tiered.lowRelin,
      galois: tiered.lowGalois,
    });
  });

  it('a restricted copy switches word for word as the key at every level it covers, from a whole or a compact key', () => {
    const key = ctx.keys.galois.get(el(ctx, 3)) as SwitchingKey;
    const x = randomVec(ctx.n, 1, 31);
    for (const from of [key, compactSwitchingKey(ctx.params, key)]) {
      const copy = restrictSwitchingKey(ctx.params, from, LOW);
      expect([copy.level, copy.compact, copy.b.length, copy.a.length, copy.aFromSeed]).toEqual([LOW, false, 2, 2, false]);
      expect(copy.b[0].limbs).toBe(LOW + 1 + ctx.params.P.length);
      const only = new Evaluator(ctx.params, new EvaluationKeys(ctx.params, undefined, new Map([[el(ctx, 3), copy]])));
      for (let level = 0; level <= LOW; level++) {
        const a = encryptVec(ctx, x, { level });
        expectSameCiphertext(only.rotateNew(a, 3), ctx.ev.rotateNew(a, 3), `rotate 3 at level ${level}`);
      }
      expect(() => only.rotateNew(encryptVec(ctx, x, { level: LOW + 1 }), 3)).toThrow(/levels up to 2/);
    }
    // At the key's own level: the key itself if whole, its expansion if compact.
    expect(restrictSwitchingKey(ctx.params, key, key.level)).toBe(key);
    const expanded = restrictSwitchingKey(ctx.params, compactSwitchingKey(ctx.params, key), key.level);
    expect([expanded.compact, expanded.aFromSeed]).toEqual([false, true]);
    expandSwitchingKeyA(ctx.params, key).forEach((p, j) => expect(same(expanded.a[j].data, p)).toBe(true));
    for (const bad of [-1, key.level + 1, 1.5]) expectThrows(() => restrictSwitchingKey(ctx.params, key, bad), Error, 'INVALID_ARGUMENT', /level must be/);
  });

  it('key switching takes the copy at and below its level and the key above it', () => {
    expect(tiered.galoisKeyAt(el(ctx, 3), LOW)).toBe(tiered.lowGalois.get(el(ctx, 3)));
    expect(tiered.galoisKeyAt(el(ctx, 3), LOW + 1)).toBe(tiered.galois.get(el(ctx, 3)));
    expect(tiered.galoisKeyAt(el(ctx, 7), 0)).toBeUndefined();
    expect(tiered.relinKeyAt(0)).toBe(tiered.lowRelin);
    expect(tiered.relinKeyAt(LOW + 1)).toBe(tiered.relin);
    const evP = new Evaluator(ctx.params, poisoned);
    const evT = new Evaluator(ctx.params, tiered);
    const x = randomVec(ctx.n, 1, 32);
    for (const level of [0, LOW]) {
      const a = encryptVec(ctx, x, { level });
      for (const ev of [evP, evT]) {
        for (const s of [1, 3, -5]) expectSameCiphertext(ev.rotateNew(a, s), ctx.ev.rotateNew(a, s), `rotate ${s} at level ${level}`);
        const h = ev.rotateHoistedNew(a, [1, 3, -5]);
        ctx.ev.rotateHoistedNew(a, [1, 3, -5]).forEach((c, i) => expectSameCiphertext(h[i], c, `hoisted at level ${level}`));
        expectSameCiphertext(ev.mulRelinNew(a, a), ctx.ev.mulRelinNew(a, a), `relinearize at level ${level}`);
      }
    }
    // Above the copies the poisoned keys are taken, and switch wrongly; the true compact keys switch right.
    const a = encryptVec(ctx, x, { level: LOW + 1 });
    // (c_0 comes from the b_j, which are right; c_1 from the a_j.)
    expect(same(evP.rotateNew(a, 3).c[1].data, ctx.ev.rotateNew(a, 3).c[1].data)).toBe(false);
    expect(same(evP.mulRelinNew(a, a).c[1].data, ctx.ev.mulRelinNew(a, a).c[1].data)).toBe(false);
    expectSameCiphertext(evT.rotateNew(a, 3), ctx.ev.rotateNew(a, 3), 'rotate 3 above the copies');
    expectSameCiphertext(evT.mulRelinNew(a, a), ctx.ev.mulRelinNew(a, a), 'relinearize above the copies');
  });

  it('linear transforms (double and single hoisting, lazy giant steps) take the copies below their level', () => {
    const diags = diagonalsOf(MATRIX, T);
    const x = randomVec(T, 1, 33);
    for (const hoisting of ['double', 'single'] as const) {
      const lt = new LinearTransform(ctx.encoder, diags, T, LOW, { hoisting });
      const a = encryptVec(ctx, x, { level: LOW, slots: T });
      const want = lt.evaluate(ctx.ev, a);
      expectSameCiphertext(lt.evaluate(new Evaluator(ctx.params, poisoned), a), want, `${hoisting} hoisting, poisoned keys`);
      // And the result is M x.
      const y = decryptVec(ctx, want);
      for (let i = 0; i < T; i++) {
        let t = 0;
        for (let j = 0; j < T; j++) t += MATRIX[i * T + j] * x[j];
        expect(Math.abs(y[i] - t)).toBeLessThan(1e-3);
      }
    }
  });

  it('compactKeysAbove: compact above the level, copies of the listed keys, listed compact keys at the level made whole', () => {
    const keys = ctx.keys;
    for (const [g, k] of tiered.galois) {
      expect(k.compact, `element ${g}`).toBe(true);
      expect(same(k.b[0].data, (keys.galois.get(g) as SwitchingKey).b[0].data)).toBe(true);
    }
    expect(tiered.relin?.compact).toBe(true);
    expect(tiered.lowGalois.size).toBe(STEPS.length);
    // A key at the level stays whole and shared; listed and compact, it is made whole; unlisted, it stays compact.
    const atLevel = ctx.kg.genGaloisKey(ctx.sk, el(ctx, 7), LOW);
    const compactAt = ctx.kg.genGaloisKey(ctx.sk, el(ctx, 9), LOW, true);
    const unlisted = ctx.kg.genGaloisKey(ctx.sk, el(ctx, 11), 1, true);
    expect(compactAt.compact).toBe(true);
    const mixed = new EvaluationKeys(ctx.params, undefined, new Map([[el(ctx, 7), atLevel], [el(ctx, 9), compactAt], [el(ctx, 11), unlisted]]));
    const held = compactKeysAbove(ctx.params, mixed, LOW, { lowElements: [el(ctx, 7), el(ctx, 9)] });
    expect(held.galois.get(el(ctx, 7))).toBe(atLevel);
    expect(held.galois.get(el(ctx, 9))?.compact).toBe(false);
    expect(held.galois.get(el(ctx, 11))).toBe(unlisted);
    expect(held.lowGalois.size).toBe(0);
    // The elements may come as an iterator (read once): every compact key at the top made whole.
    const loaded = deserializeEvaluationKeys(ctx.params, serializeEvaluationKeys(ctx.params, keys), { compact: true });
    const whole = compactKeysAbove(ctx.params, loaded, ctx.params.Q.length - 1, { lowElements: loaded.galois.keys(), lowRelin: true });
    expect([...whole.galois.values(), whole.relin as SwitchingKey].every((k) => !k.compact)).toBe(true);
    // Shared keys get shared copies.
    const k3 = keys.galois.get(el(ctx, 3)) as SwitchingKey;
    const onShared = k3.b.map((p) => {
      const q = RnsPoly.alloc(p.N, p.limbs, true);
      q.data.set(p.data);
      q.isNtt = true;
      return q;
    });
    const shared = new EvaluationKeys(ctx.params, undefined, new Map([[el(ctx, 3), new SwitchingKey(ctx.params, onShared, [], k3.seed, k3.level, true)]]));
    const sharedCopy = compactKeysAbove(ctx.params, shared, LOW, { lowElements: [el(ctx, 3)] }).lowGalois.get(el(ctx, 3)) as SwitchingKey;
    expect(sharedCopy.a[0].data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sharedCopy.b[1].data.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Refused by name.
    expectThrows(() => compactKeysAbove(ctx.params, keys, LOW, { lowElements: [el(ctx, 999)] }), Error, 'INVALID_ARGUMENT', /no Galois key/);
    expectThrows(() => compactKeysAbove(ctx.params, keys, 7), Error, 'INVALID_ARGUMENT', /level must be/);
    expectThrows(() => compactKeysAbove(ctx.params, new EvaluationKeys(ctx.params), LOW, { lowRelin: true }), Error, 'INVALID_ARGUMENT', /no relinearization key/);
  });

  it('keys generated compact keep no a_j, and serialize, load and switch as whole keys', () => {
    const gen = ctx.kg.genEvaluationKeys(ctx.sk, { steps: [1, 3], compact: true });
    expect([...gen.galois.values(), gen.relin as SwitchingKey].every((k) => k.compact && k.a.length === 0)).toBe(true);
    const whole = deserializeEvaluationKeys(ctx.params, serializeEvaluationKeys(ctx.params, gen));
    expect(whole.relin?.compact).toBe(false);
    // The full form writes the expansion: it loads to the same key.
    const full = deserializeEvaluationKeys(ctx.params, serializeEvaluationKeys(ctx.params, gen, { seeded: false }));
    const x = randomVec(ctx.n, 1, 34);
    const a = encryptVec(ctx, x);
    const evG = new Evaluator(ctx.params, gen);
    const r = evG.rotateNew(a, 3);
    expectSameCiphertext(new Evaluator(ctx.params, whole).rotateNew(a, 3), r, 'rotate, seeded round trip');
    expectSameCiphertext(new Evaluator(ctx.params, full).rotateNew(a, 3), r, 'rotate, full round trip');
    const y = decryptVec(ctx, r);
    // At scale 2^25 a rotation leaves about 13 bits (1.1e-4 measured): at least 9 asked.
    for (let i = 0; i < ctx.n; i++) expect(Math.abs(y[i] - x[(i + 3) % ctx.n])).toBeLessThan(2 ** -9);
    const sq = decryptVec(ctx, evG.mulRelinNew(a, a));
    for (let i = 0; i < ctx.n; i++) expect(Math.abs(sq[i] - x[i] * x[i])).toBeLessThan(2 ** -8);
  });

  it('loads seeded and full files compact, and refuses a full file whose a_j are not its seeds', () => {
    const x = randomVec(ctx.n, 1, 35);
    const a = encryptVec(ctx, x);
    for (const seeded of [true, false]) {
      const back = deserializeEvaluationKeys(ctx.params, serializeEvaluationKeys(ctx.params, ctx.keys, { seeded }), { compact: true });
      expect([...back.galois.values(), back.relin as SwitchingKey].every((k) => k.compact)).toBe(true);
      const ev = new Evaluator(ctx.params, back);
      expectSameCiphertext(ev.rotateNew(a, -5), ctx.ev.rotateNew(a, -5), `rotate, seeded ${seeded}`);
      expectSameCiphertext(ev.mulRelinNew(a, a), ctx.ev.mulRelinNew(a, a), `relinearize, seeded ${seeded}`);
    }
    // One word of one a_j changed (and still below its modulus) in a full file: it loads whole, not compact.
    const loaded = deserializeEvaluationKeys(ctx.params, serializeEvaluationKeys(ctx.params, ctx.keys, { seeded: false }));
    const victim = loaded.galois.get(el(ctx, 3)) as SwitchingKey;
    victim.a[1].data[99] = (victim.a[1].data[99] + 1) % ctx.params.Q[0];
    const tampered = serializeEvaluationKeys(ctx.params, loaded, { seeded: false });
    expect(deserializeEvaluationKeys(ctx.params, tampered).galois.size).toBe(ctx.keys.galois.size);
    expectThrows(() => deserializeEvaluationKeys(ctx.params, tampered, { compact: true }), SerializationError, 'MALFORMED_DATA', /cannot be held compact/);
  });

  it('the worker wire format carries the copies, and refuses a compact one or one not below its key', () => {
    const back = keysFromWire(ctx.params, keysToWire(ctx.params, tiered));
    expect(back.lowGalois.size).toBe(tiered.lowGalois.size);
    expect(back.lowRelin?.level).toBe(LOW);
    const x = randomVec(ctx.n, 1, 36);
    const a = encryptVec(ctx, x, { level: 1 });
    expectSameCiphertext(new Evaluator(ctx.params, back).rotateNew(a, 3), ctx.ev.rotateNew(a, 3), 'rotate over the wire copies');
    const compactCopy = keysToWire(ctx.params, tiered);
    const [g0, w0] = (compactCopy.lowGalois ?? [])[0];
    (compactCopy.lowGalois ?? [])[0] = [g0, { ...w0, a: [], aFromSeed: true }];
    expect(() => keysFromWire(ctx.params, compactCopy)).toThrow(TrainerError);
    const notBelow = keysToWire(ctx.params, new EvaluationKeys(ctx.params, undefined, new Map([[el(ctx, 3), tiered.lowGalois.get(el(ctx, 3)) as SwitchingKey]]), { galois: new Map([[el(ctx, 3), tiered.lowGalois.get(el(ctx, 3)) as SwitchingKey]]) }));
    expect(() => keysFromWire(ctx.params, notBelow)).toThrow(/below a key's level/);
    const orphan = keysToWire(ctx.params, new EvaluationKeys(ctx.params, undefined, new Map(), { relin: tiered.lowRelin }));
    expect(() => keysFromWire(ctx.params, orphan)).toThrow(/below a key's level/);
  });
});
