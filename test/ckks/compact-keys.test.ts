/**
 * Switching keys held compact (src/rlwe/compact.ts): the seed and the b_j,
 * with the a_j regenerated from the seed whenever a key switching takes the
 * key up.
 *
 * - the expansion reproduces the generator's a_j word for word, for full keys
 *   and for keys restricted to a level;
 * - every key-switching path gives the same words with the compact key as
 *   with the full one: rotation, hoisted rotations, conjugation,
 *   relinearization, the lazy inner product, and a key switcher alternating
 *   between two compact keys (its cache);
 * - a key whose a_j are not known to come from its seed (a full-form file) is
 *   checked before it is held compact, and refused when they differ;
 * - a compact key serializes to the same bytes as the full key (both forms),
 *   crosses the worker wire format, and holds half the bytes;
 * - malformed keys are refused by name.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import {
  type EvaluationKeys,
  Evaluator,
  INSECURE_OPT_IN,
  KeySwitcher,
  SwitchingKey,
  compactGaloisKeys,
  compactSwitchingKey,
  deserializeEvaluationKeys,
  deserializeSwitchingKey,
  expandSwitchingKeyA,
  serializeEvaluationKeys,
  serializeSwitchingKey,
} from '../../src/ckks/index.js';
import { RnsPoly, galoisElementForConjugation, galoisElementForRotation } from '../../src/ntt/index.js';
import { keysFromWire, keysToWire } from '../../src/mlr/parallel.js';
import { TrainerError } from '../../src/mlr/index.js';
import { type Ctx, encryptVec, expectSameCiphertext, expectThrows, makeCtx, randomVec } from './helpers.js';

// logN 11, L = 6, three special primes, digits of 2 primes: dnum = 4 at the top.
const LIT = Object.freeze({ logN: 11, logQ: [30, 30, 30, 30, 30, 30, 30], logP: [30, 30, 30], logDefaultScale: 25, digitSize: 2, unsafeAllowInsecure: INSECURE_OPT_IN });
const STEPS = [1, 3, -5];

const el = (ctx: Ctx, s: number): number => galoisElementForRotation(s, ctx.params.logN);

describe('compact switching keys', () => {
  let ctx: Ctx;
  let compact: EvaluationKeys;
  let evC: Evaluator;
  let elements: number[];

  beforeAll(() => {
    ctx = makeCtx('PN12QP180_INSECURE', LIT as never, { steps: STEPS, conjugate: true });
    elements = [...STEPS.map((s) => el(ctx, s)), galoisElementForConjugation(ctx.params.logN)];
    compact = compactGaloisKeys(ctx.params, ctx.keys, elements);
    compact.relin = compactSwitchingKey(ctx.params, ctx.keys.relin as SwitchingKey);
    evC = new Evaluator(ctx.params, compact);
  });

  it('regenerates the generator a_j word for word, at the top and at a restricted level', () => {
    for (const key of [...ctx.keys.galois.values(), ctx.keys.relin as SwitchingKey]) {
      const parts = expandSwitchingKeyA(ctx.params, key);
      expect(parts.length).toBe(key.a.length);
      parts.forEach((p, j) => expect(Buffer.compare(Buffer.from(p.buffer, p.byteOffset, p.byteLength), Buffer.from(key.a[j].data.buffer, key.a[j].data.byteOffset, key.a[j].data.byteLength))).toBe(0));
    }
    const low = ctx.kg.genGaloisKey(ctx.sk, el(ctx, 7), 2);
    const parts = expandSwitchingKeyA(ctx.params, low);
    expect(parts.length).toBe(2);
    parts.forEach((p, j) => expect(Array.from(p)).toEqual(Array.from(low.a[j].data)));
    // Into a caller's buffer, and refused when it is too short.
    const words = parts.reduce((s, p) => s + p.length, 0);
    const into = expandSwitchingKeyA(ctx.params, low, new Uint32Array(words + 5));
    expect(Array.from(into[1])).toEqual(Array.from(low.a[1].data));
    expectThrows(() => expandSwitchingKeyA(ctx.params, low, new Uint32Array(words - 1)), Error, 'INVALID_ARGUMENT', /words/);
    // A prefix of the digits is the prefix of the whole expansion.
    const first = expandSwitchingKeyA(ctx.params, low, undefined, 1);
    expect(first.length).toBe(1);
    expect(Array.from(first[0])).toEqual(Array.from(low.a[0].data));
    for (const bad of [0, 3, 1.5]) expectThrows(() => expandSwitchingKeyA(ctx.params, low, undefined, bad), Error, 'INVALID_ARGUMENT', /digits/);
  });

  it('holds half the bytes, shares the b_j, and is compact', () => {
    for (const g of elements) {
      const full = ctx.keys.galois.get(g) as SwitchingKey;
      const c = compact.galois.get(g) as SwitchingKey;
      expect(c.compact && !full.compact).toBe(true);
      expect(c.byteLength * 2).toBe(full.byteLength);
      expect(c.b).toBe(full.b);
      expect(compactSwitchingKey(ctx.params, c)).toBe(c);
    }
  });

  it('switches bit for bit as the full key: rotation, hoisted rotations, conjugation, relinearization', () => {
    const x = randomVec(ctx.n, 1, 11);
    for (const level of [ctx.params.maxLevel, 3]) {
      const a = encryptVec(ctx, x, { level });
      for (const s of STEPS) expectSameCiphertext(evC.rotateNew(a, s), ctx.ev.rotateNew(a, s), `rotate ${s} at level ${level}`);
      const hc = evC.rotateHoistedNew(a, STEPS);
      const hf = ctx.ev.rotateHoistedNew(a, STEPS);
      hc.forEach((c, i) => expectSameCiphertext(c, hf[i], `hoisted ${STEPS[i]} at level ${level}`));
      expectSameCiphertext(evC.conjugateNew(a), ctx.ev.conjugateNew(a), `conjugate at level ${level}`);
      expectSameCiphertext(evC.mulRelinNew(a, a), ctx.ev.mulRelinNew(a, a), `relinearize at level ${level}`);
    }
  });

  it('a switcher that expanded a key for a low level expands it again for a higher one', () => {
    const x = randomVec(ctx.n, 1, 15);
    const ev = new Evaluator(ctx.params, compact);
    // Level 1 needs 1 digit of 4; the top needs all 4: the cached prefix must not serve it.
    for (const level of [1, ctx.params.maxLevel, 1, 3]) {
      const a = encryptVec(ctx, x, { level });
      expectSameCiphertext(ev.rotateNew(a, 3), ctx.ev.rotateNew(a, 3), `rotate 3 at level ${level}`);
    }
  });

  it('the lazy inner product, alternating between two compact keys on one switcher', () => {
    const a = encryptVec(ctx, randomVec(ctx.n, 1, 12));
    const ks = new KeySwitcher(ctx.params);
    const dec = ks.decompose(a.c[1]);
    const ext = a.level + 1 + ctx.params.P.length;
    const run = (keys: EvaluationKeys): Uint32Array[] => {
      const acc0 = new RnsPoly(ctx.params.N, ext, undefined, true);
      const acc1 = new RnsPoly(ctx.params.N, ext, undefined, true);
      // 1, 3, 1, -5, 3: the switcher's expansion is replaced and taken up again.
      for (const s of [1, 3, 1, -5, 3]) ks.innerProductAdd(dec, keys.galois.get(el(ctx, s)) as SwitchingKey, undefined, acc0, acc1);
      return [acc0.data.slice(), acc1.data.slice()];
    };
    const want = run(ctx.keys);
    const got = run(compact);
    expect(Buffer.compare(Buffer.from(got[0].buffer), Buffer.from(want[0].buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(got[1].buffer), Buffer.from(want[1].buffer))).toBe(0);
  });

  it('checks the a_j of a key from a full-form file against its seed, and refuses a mismatch', () => {
    const full = ctx.keys.galois.get(el(ctx, 1)) as SwitchingKey;
    const loaded = deserializeSwitchingKey(ctx.params, serializeSwitchingKey(ctx.params, full, { seeded: false }));
    expect(loaded.aFromSeed).toBe(false);
    const c = compactSwitchingKey(ctx.params, loaded);
    expect(c.compact).toBe(true);
    // A seeded file's a_j are its seed's by construction.
    expect(deserializeSwitchingKey(ctx.params, serializeSwitchingKey(ctx.params, full)).aFromSeed).toBe(true);
    // One word of one a_j changed: the key is not its seed's, and is refused.
    const tampered = deserializeSwitchingKey(ctx.params, serializeSwitchingKey(ctx.params, full, { seeded: false }));
    tampered.a[1].data[77] = (tampered.a[1].data[77] + 1) % ctx.params.Q[0];
    expectThrows(() => compactSwitchingKey(ctx.params, tampered), Error, 'INVALID_ARGUMENT', /a_1 is not the expansion of its seed/);
  });

  it('serializes to the bytes of the full key, seeded and full', () => {
    for (const seeded of [true, false]) {
      const a = serializeEvaluationKeys(ctx.params, compact, { seeded });
      const b = serializeEvaluationKeys(ctx.params, ctx.keys, { seeded });
      expect(Buffer.compare(Buffer.from(a), Buffer.from(b)), `seeded ${seeded}`).toBe(0);
    }
    const back = deserializeEvaluationKeys(ctx.params, serializeEvaluationKeys(ctx.params, compact));
    const x = encryptVec(ctx, randomVec(ctx.n, 1, 13));
    expectSameCiphertext(new Evaluator(ctx.params, back).rotateNew(x, 3), ctx.ev.rotateNew(x, 3), 'rotate after a round trip');
  });

  it('crosses the worker wire format compact, and the wire refuses a compact key without its seed flag', () => {
    const wire = keysToWire(ctx.params, compact);
    const back = keysFromWire(ctx.params, wire);
    const k = back.galois.get(el(ctx, 3)) as SwitchingKey;
    expect(k.compact).toBe(true);
    const x = encryptVec(ctx, randomVec(ctx.n, 1, 14));
    expectSameCiphertext(new Evaluator(ctx.params, back).rotateNew(x, 3), ctx.ev.rotateNew(x, 3), 'rotate over the wire keys');
    const bad = keysToWire(ctx.params, compact);
    bad.galois[0][1] = { ...bad.galois[0][1], aFromSeed: false };
    expect(() => keysFromWire(ctx.params, bad)).toThrow(TrainerError);
    const badSeed = keysToWire(ctx.params, compact);
    badSeed.galois[0][1] = { ...badSeed.galois[0][1], seed: new Uint8Array(31) };
    expect(() => keysFromWire(ctx.params, badSeed)).toThrow(/seed must be 32 bytes/);
  });

  it('refuses malformed keys and missing elements by name', () => {
    const full = ctx.keys.galois.get(el(ctx, 1)) as SwitchingKey;
    expectThrows(() => new SwitchingKey(ctx.params, full.b, full.a.slice(1), full.seed, full.level, true), Error, 'INVALID_ARGUMENT', /digit/);
    expectThrows(() => new SwitchingKey(ctx.params, full.b, [], full.seed, full.level, false), Error, 'INVALID_ARGUMENT', /from its seed/);
    expectThrows(() => compactGaloisKeys(ctx.params, ctx.keys, [el(ctx, 2)]), Error, 'INVALID_ARGUMENT', /no Galois key/);
  });
});
