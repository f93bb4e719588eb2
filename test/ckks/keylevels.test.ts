/**
 * Evaluation keys restricted to a level (SwitchingKey.level): a key over
 * Q_0..Q_l ∪ P with only the digits covering them.
 *
 * - a full key cut down to level l (limbs and digits dropped) switches every
 *   ciphertext at a level <= l bit for bit as the full key does (the inner
 *   product reads nothing else);
 * - keys generated at a level (genEvaluationKeys' level, stepLevels,
 *   relinLevel, conjugateLevel) rotate, conjugate and relinearize with the
 *   full keys' precision, and have the expected size;
 * - above its level a key is refused with LevelMismatchError before anything
 *   is written (rotate in place, hoisted rotations, conjugation,
 *   relinearization, the key switcher's lazy inner product);
 * - serialization carries the level (seeded and full forms, switching keys and
 *   evaluation keys), full keys keep the older layout (no key-levels flag), and
 *   a level outside the chain is refused; the worker wire format carries it too.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import {
  Ciphertext,
  type EvaluationKeys,
  Evaluator,
  FLAG_KEY_LEVELS,
  INSECURE_OPT_IN,
  KeySwitcher,
  LevelMismatchError,
  SerializationError,
  SwitchingKey,
  deserializeEvaluationKeys,
  deserializePublicKey,
  deserializeSwitchingKey,
  serializeEvaluationKeys,
  serializeSwitchingKey,
} from '../../src/ckks/index.js';
import { RnsPoly, galoisElementForConjugation, galoisElementForRotation } from '../../src/ntt/index.js';
import { keysFromWire, keysToWire } from '../../src/mlr/parallel.js';
import { type Ctx, bitsOf, decryptVec, encryptVec, expectSameCiphertext, expectThrows, makeCtx, maxErr, randomVec, rotateRef } from './helpers.js';

// logN 11, L = 6, two special primes, digits of 2 primes: dnum = 4.
const LIT = Object.freeze({ logN: 11, logQ: [30, 30, 30, 30, 30, 30, 30], logP: [30, 30, 30], logDefaultScale: 25, digitSize: 2, unsafeAllowInsecure: INSECURE_OPT_IN });
const STEP = 3;
const LOW = 2; // the restricted keys' level: digits 0..1 (Q_0..Q_2), 3 + 3 limbs

/** A full key cut down to `level`: the first ceil((level + 1) / digitSize) digits, limbs Q_0..Q_level and P. */
function truncate(ctx: Ctx, key: SwitchingKey, level: number): SwitchingKey {
  const prm = ctx.params;
  const N = prm.N;
  const nQ = prm.Q.length;
  const K = prm.P.length;
  const digits = Math.ceil((level + 1) / prm.digitSize);
  const cut = (p: RnsPoly): RnsPoly => {
    const q = new RnsPoly(N, level + 1 + K, undefined, true);
    q.data.set(p.data.subarray(0, (level + 1) * N));
    q.data.set(p.data.subarray(nQ * N, (nQ + K) * N), (level + 1) * N);
    return q;
  };
  return new SwitchingKey(prm, key.b.slice(0, digits).map(cut), key.a.slice(0, digits).map(cut), key.seed, level);
}

function cloneCt(ctx: Ctx, ct: Ciphertext): Ciphertext {
  const c = new Ciphertext(ctx.params, ct.degree, ct.level, ct.scale, ct.slots);
  for (let k = 0; k <= ct.degree; k++) c.c[k].data.set(ct.c[k].data);
  return c;
}

describe('evaluation keys restricted to a level', () => {
  let ctx: Ctx;
  let low: EvaluationKeys;
  let evLow: Evaluator;
  const x = randomVec(1024, 5);
  const y = randomVec(1024, 6);

  beforeAll(() => {
    ctx = makeCtx('PN12QP180_INSECURE', LIT as never, { steps: [STEP, -1], conjugate: true });
    low = ctx.kg.genEvaluationKeys(ctx.sk, { steps: [STEP], stepLevels: new Map([[-1, 4]]), conjugate: true, level: LOW });
    evLow = new Evaluator(ctx.params, low);
  });

  it('generates keys of the declared levels and sizes', () => {
    const prm = ctx.params;
    const N = prm.N;
    const g = galoisElementForRotation(STEP, prm.logN);
    const gm = galoisElementForRotation(-1, prm.logN);
    expect(low.relin?.level).toBe(LOW);
    expect(low.galois.get(g)?.level).toBe(LOW);
    expect(low.galois.get(gm)?.level).toBe(4);
    expect(low.galois.get(galoisElementForConjugation(prm.logN))?.level).toBe(LOW);
    expect(ctx.keys.galois.get(g)?.level).toBe(prm.maxLevel);
    // level 2: 2 digits of 3 + 3 limbs; the top: 4 digits of 7 + 3 limbs
    expect(low.galois.get(g)?.byteLength).toBe(2 * 2 * 6 * N * 4);
    expect(ctx.keys.galois.get(g)?.byteLength).toBe(2 * 4 * 10 * N * 4);
    expect(low.galois.get(gm)?.b.length).toBe(3);
    expect(low.galois.get(gm)?.b[0].limbs).toBe(8);
  });

  it('a full key cut to a level switches bit for bit as the full key, at every level up to it', () => {
    const prm = ctx.params;
    const g = galoisElementForRotation(STEP, prm.logN);
    const cutKeys = ctx.kg.genEvaluationKeys(ctx.sk, { relin: false }); // an empty holder under the same parameters
    cutKeys.relin = truncate(ctx, ctx.keys.relin as SwitchingKey, 4);
    cutKeys.galois.set(g, truncate(ctx, ctx.keys.galois.get(g) as SwitchingKey, 4));
    const evCut = new Evaluator(prm, cutKeys);
    for (const level of [0, 1, 3, 4]) {
      const a = encryptVec(ctx, x, { level });
      const b = encryptVec(ctx, y, { level });
      expectSameCiphertext(evCut.rotateNew(a, STEP), ctx.ev.rotateNew(a, STEP), `rotation at level ${level}`);
      expectSameCiphertext(evCut.mulRelinNew(a, b), ctx.ev.mulRelinNew(a, b), `relinearization at level ${level}`);
      const [h] = evCut.rotateHoistedNew(a, [STEP]);
      expectSameCiphertext(h, ctx.ev.rotateNew(a, STEP), `hoisted rotation at level ${level}`);
    }
  });

  it('generated restricted keys rotate, conjugate and relinearize with the full keys\' precision', () => {
    const prm = ctx.params;
    for (const level of [0, 1, LOW]) {
      const a = encryptVec(ctx, x, { level });
      const b = encryptVec(ctx, y, { level });
      const want = rotateRef(x, STEP);
      const bitsLow = bitsOf(maxErr(decryptVec(ctx, evLow.rotateNew(a, STEP)), want));
      const bitsFull = bitsOf(maxErr(decryptVec(ctx, ctx.ev.rotateNew(a, STEP)), want));
      expect(bitsLow, `rotation at level ${level}`).toBeGreaterThan(Math.min(bitsFull, 20) - 1);
      const prod = Float64Array.from(x, (v, i) => v * y[i]);
      const m = evLow.mulRelinNew(a, b);
      const pl = bitsOf(maxErr(decryptVec(ctx, m), prod));
      const pf = bitsOf(maxErr(decryptVec(ctx, ctx.ev.mulRelinNew(a, b)), prod));
      expect(pl, `product at level ${level}`).toBeGreaterThan(Math.min(pf, 20) - 1);
      // real input: conjugation leaves the real parts
      const cl = bitsOf(maxErr(decryptVec(ctx, evLow.conjugateNew(a)), x));
      const cf = bitsOf(maxErr(decryptVec(ctx, ctx.ev.conjugateNew(a)), x));
      expect(cl, `conjugation at level ${level}`).toBeGreaterThan(Math.min(cf, 20) - 1);
    }
    const a4 = encryptVec(ctx, x, { level: 4 });
    const r4 = bitsOf(maxErr(decryptVec(ctx, evLow.rotateNew(a4, -1)), rotateRef(x, -1)));
    expect(r4).toBeGreaterThan(Math.min(bitsOf(maxErr(decryptVec(ctx, ctx.ev.rotateNew(a4, -1)), rotateRef(x, -1))), 20) - 1);
    expect(prm.maxLevel).toBe(6);
  });

  it('refuses a key above its level before writing anything', () => {
    const level = LOW + 1;
    const a = encryptVec(ctx, x, { level });
    const b = encryptVec(ctx, y, { level });
    const before = cloneCt(ctx, a);
    expectThrows(() => evLow.rotate(a, STEP, a), LevelMismatchError, 'LEVEL_MISMATCH', /levels up to 2.*level 3/);
    expectSameCiphertext(a, before, 'rotate in place after the refusal');
    expectThrows(() => evLow.rotateHoistedNew(a, [0, STEP]), LevelMismatchError, 'LEVEL_MISMATCH');
    expectThrows(() => evLow.conjugate(a, a), LevelMismatchError, 'LEVEL_MISMATCH', /conjugation/);
    expectSameCiphertext(a, before, 'conjugate in place after the refusal');
    const d = evLow.mulNew(a, b);
    const dBefore = cloneCt(ctx, d);
    expectThrows(() => evLow.relinearize(d, d), LevelMismatchError, 'LEVEL_MISMATCH', /relinearization key/);
    expectSameCiphertext(d, dBefore, 'relinearize in place after the refusal');
    // The -1 key (level 4) still works at level 3, and fails at 5.
    expect(() => evLow.rotateNew(a, -1)).not.toThrow();
    expectThrows(() => evLow.rotateNew(encryptVec(ctx, x, { level: 5 }), -1), LevelMismatchError, 'LEVEL_MISMATCH');
    // The key switcher's own check (the lazy inner product of rotate-and-sum).
    const ks = new KeySwitcher(ctx.params);
    const dec = ks.decompose(a.c[1]);
    const ext = level + 1 + ctx.params.P.length;
    const acc0 = new RnsPoly(ctx.params.N, ext, undefined, true);
    const acc1 = new RnsPoly(ctx.params.N, ext, undefined, true);
    const key = low.galois.get(galoisElementForRotation(STEP, ctx.params.logN)) as SwitchingKey;
    expectThrows(() => ks.innerProductAdd(dec, key, undefined, acc0, acc1), LevelMismatchError, 'LEVEL_MISMATCH');
    expect(acc0.data.every((v: number) => v === 0) && acc1.data.every((v: number) => v === 0)).toBe(true);
  });

  it('refuses a level outside the chain at generation', () => {
    expectThrows(() => ctx.kg.genGaloisKey(ctx.sk, 5, 7), Error, 'INVALID_ARGUMENT', /level/);
    expectThrows(() => ctx.kg.genEvaluationKeys(ctx.sk, { steps: [1], stepLevels: new Map([[1, -1]]) }), Error, 'INVALID_ARGUMENT', /level/);
    expectThrows(() => ctx.kg.genRelinKey(ctx.sk, 1.5), Error, 'INVALID_ARGUMENT', /level/);
  });

  it('serialization carries the level (seeded and full); full keys keep the older layout', () => {
    const prm = ctx.params;
    const g = galoisElementForRotation(STEP, prm.logN);
    const key = low.galois.get(g) as SwitchingKey;
    const a = encryptVec(ctx, x, { level: 1 });
    for (const seeded of [true, false]) {
      const bytes = serializeSwitchingKey(prm, key, { seeded });
      expect(bytes[7] & FLAG_KEY_LEVELS).toBe(FLAG_KEY_LEVELS);
      const back = deserializeSwitchingKey(prm, bytes);
      expect(back.level).toBe(LOW);
      for (let j = 0; j < key.b.length; j++) {
        expect(back.b[j].data).toEqual(key.b[j].data);
        expect(back.a[j].data).toEqual(key.a[j].data); // seeded: regenerated over the key's own limbs
      }
      const ebytes = serializeEvaluationKeys(prm, low, { seeded });
      expect(ebytes[7] & FLAG_KEY_LEVELS).toBe(FLAG_KEY_LEVELS);
      const ek = deserializeEvaluationKeys(prm, ebytes);
      expect(ek.relin?.level).toBe(LOW);
      expect([...ek.galois].map(([gg, k]) => [gg, k.level])).toEqual([...low.galois].map(([gg, k]) => [gg, k.level]).sort((p, q) => p[0] - q[0]));
      expectSameCiphertext(new Evaluator(prm, ek).rotateNew(a, STEP), evLow.rotateNew(a, STEP), `loaded keys (seeded ${seeded})`);
      // Truncated or padded inputs are refused on their length.
      expectThrows(() => deserializeEvaluationKeys(prm, ebytes.subarray(0, ebytes.length - 1)), SerializationError, 'MALFORMED_DATA', /length/);
      expectThrows(() => deserializeSwitchingKey(prm, bytes.subarray(0, bytes.length - 1)), SerializationError, 'MALFORMED_DATA', /length/);
    }
    // A full key: no flag, the size of the older format.
    const full = serializeSwitchingKey(prm, ctx.keys.galois.get(g) as SwitchingKey);
    expect(full[7] & FLAG_KEY_LEVELS).toBe(0);
    expect(serializeEvaluationKeys(prm, ctx.keys)[7] & FLAG_KEY_LEVELS).toBe(0);
    expect(deserializeSwitchingKey(prm, full).level).toBe(prm.maxLevel);
    // A level outside the chain.
    const bad = serializeSwitchingKey(prm, key);
    bad[24] = 7;
    expectThrows(() => deserializeSwitchingKey(prm, bad), SerializationError, 'MALFORMED_DATA', /level/);
    // The flag is refused on other object types.
    const ct = new Uint8Array(serializeSwitchingKey(prm, key));
    ct[6] = 4; // public key
    expectThrows(() => deserializePublicKey(prm, ct), SerializationError, 'MALFORMED_DATA', /key-levels flag is not valid for a public key/);
  });

  it('the worker wire format carries the level', () => {
    const back = keysFromWire(ctx.params, keysToWire(ctx.params, low));
    const a = encryptVec(ctx, x, { level: LOW });
    expect(back.relin?.level).toBe(LOW);
    expectSameCiphertext(new Evaluator(ctx.params, back).rotateNew(a, STEP), evLow.rotateNew(a, STEP), 'keys from the wire');
  });
});
