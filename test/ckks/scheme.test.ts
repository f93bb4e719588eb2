/**
 * End-to-end tests of the RNS-CKKS scheme at logN 12, 13 and 14: encoding,
 * symmetric and public-key encryption, every evaluator operation, every level
 * down to the last, rotations and conjugation, with the precision asserted in
 * bits against plain float64 math (bits = -log2(max |error| over the slots),
 * as in Lattigo). The thresholds and where they come from are in
 * ./helpers.ts (THRESHOLDS); logN 16 is in scheme-logn16.test.ts.
 *
 * Inputs are uniform in [-1, 1] from a seeded generator; the keys' secret and
 * error samples come from a seeded XOF (the uniform parts from the CSPRNG, as
 * the library does not let a caller seed them), so a run is reproducible up
 * to the key switching noise, which depends on the uniform parts.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { PN12QP180_INSECURE, PN13QP210_SEC128, PN14QP420_SEC128 } from '../../src/ckks/presets.js';
import type { ParametersLiteral } from '../../src/ckks/params.js';
import {
  type Ctx,
  decryptVec,
  encryptVec,
  expectBits,
  expectComplexBits,
  expectSameCiphertext,
  makeCtx,
  mapVec,
  randomVec,
  rmsBits,
  rotateRef,
  squareChainThreshold,
} from './helpers.js';

const PRESETS: [string, Readonly<ParametersLiteral>][] = [
  ['PN12QP180_INSECURE', PN12QP180_INSECURE],
  ['PN13QP210_SEC128', PN13QP210_SEC128],
  ['PN14QP420_SEC128', PN14QP420_SEC128],
];

describe.each(PRESETS)('CKKS scheme, %s', (name, lit) => {
  let ctx: Ctx;
  let x: Float64Array;
  let y: Float64Array;

  beforeAll(() => {
    const slots = defaultSlots(lit);
    ctx = makeCtx(name, lit, { steps: [1, -1, slots / 2], conjugate: true, seed: 11 });
    x = randomVec(ctx.n, 101);
    y = randomVec(ctx.n, 202);
  });

  it('parameters: full slots, 2^30 scale, 128-bit unless the insecure preset', () => {
    const p = ctx.params;
    expect(p.slots).toBe(p.N / 2);
    expect(p.defaultScale).toBe(2 ** 30);
    expect(p.securityLevel).toBe(name.endsWith('_INSECURE') ? 0 : 128);
  });

  it('encode / decode, at the top level and at level 0', () => {
    for (const level of [ctx.params.maxLevel, 0]) {
      const pt = ctx.encoder.encode(x, level);
      expect(pt.level).toBe(level);
      expectBits(name, `encode/decode level ${level}`, ctx.encoder.decode(pt), x, ctx.th.encode);
    }
  });

  it('fresh symmetric encryption: precision, and the noise RMS matches sigma sqrt(N/2) / scale', () => {
    const ct = encryptVec(ctx, x);
    expect(ct.level).toBe(ctx.params.maxLevel);
    expect(ct.degree).toBe(1);
    expect(ct.scale).toBe(ctx.params.defaultScale);
    expect(ct.seed).toBeInstanceOf(Uint8Array);
    const got = decryptVec(ctx, ct);
    expectBits(name, 'fresh symmetric', got, x, ctx.th.fresh);
    // Two-sided: noise too small (e.g. no error added) is a security bug.
    // Model: Gaussian e (sigma 3.2) per coefficient; each slot's real part has
    // standard deviation sigma sqrt(N/2) (rounding of the encoding adds 1/12 to sigma^2).
    const model = -Math.log2(Math.sqrt((3.2 ** 2 + 1 / 12) * (ctx.params.N / 2)) / ctx.params.defaultScale);
    expect(Math.abs(rmsBits(got, x) - model)).toBeLessThan(0.5);
  });

  it('fresh public-key encryption', () => {
    const ct = encryptVec(ctx, x, { pk: true });
    expect(ct.seed).toBeUndefined();
    expectBits(name, 'fresh public-key', decryptVec(ctx, ct), x, ctx.th.freshPk);
  });

  it('fresh encryption of a complex vector (decodeComplex)', () => {
    const re = randomVec(ctx.n, 303);
    const im = randomVec(ctx.n, 304);
    const ct = ctx.sym.encrypt(ctx.encoder.encode({ re, im }, ctx.params.maxLevel));
    const got = ctx.encoder.decodeComplex(ctx.dec.decrypt(ct));
    expectComplexBits(name, 'fresh symmetric, complex', got, { re, im }, ctx.th.fresh);
  });

  it('add, sub, negate (symmetric and public-key inputs)', () => {
    const cx = encryptVec(ctx, x);
    const cy = encryptVec(ctx, y);
    expectBits(name, 'add', decryptVec(ctx, ctx.ev.addNew(cx, cy)), mapVec(x, (v, i) => v + y[i]), ctx.th.add);
    expectBits(name, 'sub', decryptVec(ctx, ctx.ev.subNew(cx, cy)), mapVec(x, (v, i) => v - y[i]), ctx.th.add);
    expectBits(name, 'negate', decryptVec(ctx, ctx.ev.negateNew(cx)), mapVec(x, (v) => -v), ctx.th.fresh);
    const px = encryptVec(ctx, x, { pk: true });
    const py = encryptVec(ctx, y, { pk: true });
    expectBits(name, 'add (public-key)', decryptVec(ctx, ctx.ev.addNew(px, py)), mapVec(x, (v, i) => v + y[i]), ctx.th.addPk);
    // Mixed: a symmetric and a public-key ciphertext under the same secret.
    expectBits(name, 'sub (sym - pk)', decryptVec(ctx, ctx.ev.subNew(cx, py)), mapVec(x, (v, i) => v - y[i]), ctx.th.addPk);
  });

  it('addPlain, subPlain, addConst', () => {
    const L = ctx.params.maxLevel;
    const cx = encryptVec(ctx, x);
    const py = ctx.encoder.encode(y, L);
    expectBits(name, 'addPlain', decryptVec(ctx, ctx.ev.addPlainNew(cx, py)), mapVec(x, (v, i) => v + y[i]), ctx.th.add);
    expectBits(name, 'subPlain', decryptVec(ctx, ctx.ev.subPlainNew(cx, py)), mapVec(x, (v, i) => v - y[i]), ctx.th.add);
    for (const c of [0.3141592653589793, -2.5, 0]) {
      const r = ctx.ev.addConstNew(cx, c);
      expect(r.scale).toBe(cx.scale);
      expectBits(name, `addConst ${c}`, decryptVec(ctx, r), mapVec(x, (v) => v + c), ctx.th.add);
    }
  });

  it('mulConst then rescale restores the scale exactly', () => {
    const L = ctx.params.maxLevel;
    const cx = encryptVec(ctx, x);
    for (const c of [0.7071067811865476, -1.75]) {
      const m = ctx.ev.mulConstNew(cx, c);
      expect(m.level).toBe(L);
      expect(m.scale).toBe(cx.scale * ctx.params.Q[L]);
      const r = ctx.ev.rescaleNew(m);
      expect(r.level).toBe(L - 1);
      expect(r.scale).toBe(cx.scale); // exactly, not approximately
      // c * (fresh error) + rescale rounding: |c| <= 2 costs at most one bit.
      expectBits(name, `mulConst ${c} + rescale`, decryptVec(ctx, r), mapVec(x, (v) => v * c), ctx.th.mul - 1);
    }
  });

  it('mulPlain by a plaintext at scale q_L, then rescale (scale restored exactly)', () => {
    const L = ctx.params.maxLevel;
    const cx = encryptVec(ctx, x);
    const py = ctx.encoder.encode(y, L, ctx.params.Q[L]);
    const r = ctx.ev.rescaleNew(ctx.ev.mulPlainNew(cx, py));
    expect(r.scale).toBe(cx.scale);
    expect(r.level).toBe(L - 1);
    expectBits(name, 'mulPlain + rescale', decryptVec(ctx, r), mapVec(x, (v, i) => v * y[i]), ctx.th.mul);
  });

  it('ciphertext multiply, relinearize, rescale (symmetric and public-key)', () => {
    const L = ctx.params.maxLevel;
    const want = mapVec(x, (v, i) => v * y[i]);
    for (const pk of [false, true]) {
      const cx = encryptVec(ctx, x, { pk });
      const cy = encryptVec(ctx, y, { pk });
      const m = ctx.ev.mulNew(cx, cy);
      expect(m.degree).toBe(2);
      expect(m.scale).toBe(cx.scale * cy.scale);
      // The degree-2 ciphertext decrypts too (c0 + c1 s + c2 s^2).
      expectBits(name, `mul (degree 2)${pk ? ', public-key' : ''}`, decryptVec(ctx, m), want, pk ? ctx.th.mulPk : ctx.th.mul);
      const rl = ctx.ev.relinearizeNew(m);
      expect(rl.degree).toBe(1);
      const r = ctx.ev.rescaleNew(rl);
      expect(r.level).toBe(L - 1);
      expect(r.scale).toBe((cx.scale * cy.scale) / ctx.params.Q[L]);
      expectBits(name, `mul + relin + rescale${pk ? ', public-key' : ''}`, decryptVec(ctx, r), want, pk ? ctx.th.mulPk : ctx.th.mul);
      // mulRelin is mul then relinearize.
      expectSameCiphertext(ctx.ev.mulRelinNew(cx, cy), rl, 'mulRelin = relinearize(mul)');
    }
  });

  it('every level down to 0: repeated square + relinearize + rescale against float64', () => {
    let c = encryptVec(ctx, x);
    let ref: Float64Array = Float64Array.from(x);
    let scale = c.scale;
    let k = 0;
    while (c.level > 0) {
      const before = c.level;
      const prev = decryptVec(ctx, c);
      c = ctx.ev.rescaleNew(ctx.ev.relinearizeNew(ctx.ev.squareNew(c)));
      ref = mapVec(ref, (v) => v * v);
      // The scale is tracked exactly: scale^2 / q_l (it drifts from 2^30 as q_l != 2^30).
      scale = (scale * scale) / ctx.params.Q[before];
      k++;
      expect(c.level).toBe(before - 1);
      expect(c.scale).toBe(scale);
      const got = decryptVec(ctx, c);
      // This step alone (against the square of what the input decrypts to): one multiplication's noise.
      expectBits(name, `square chain, level ${c.level}, this step`, got, mapVec(prev, (v) => v * v), ctx.th.mul);
      // Cumulative, against float64 from the start: the propagated error bound.
      expectBits(name, `square chain, level ${c.level} (${k} squares)`, got, ref, squareChainThreshold(ctx.th.mul, k));
    }
    expect(k).toBe(ctx.params.maxLevel);
  });

  it('rotation by 0 and by N/2 is an exact copy and needs no key', () => {
    const cx = encryptVec(ctx, x);
    ctx.ev.resetCounters();
    for (const k of [0, ctx.n, -ctx.n]) {
      const r = ctx.ev.rotateNew(cx, k);
      expect(r === cx).toBe(false); // (not .not.toBe: its failure hint deep-compares the ciphertexts)
      expectSameCiphertext(r, cx, `rotate ${k}`);
    }
    expect(ctx.ev.counters.keySwitches).toBe(0);
  });

  it('rotation by 1, -1, +-(slots - 1), slots/2 and a multiple of slots plus one', () => {
    const n = ctx.n;
    const cx = encryptVec(ctx, x);
    for (const k of [1, -1, n - 1, -(n - 1), n / 2, -n / 2, 3 * n + 1]) {
      const r = ctx.ev.rotateNew(cx, k);
      expect(r.level).toBe(cx.level);
      expect(r.scale).toBe(cx.scale);
      expectBits(name, `rotate ${k}`, decryptVec(ctx, r), rotateRef(x, k), ctx.th.rot);
    }
    const px = encryptVec(ctx, x, { pk: true });
    expectBits(name, 'rotate 1, public-key', decryptVec(ctx, ctx.ev.rotateNew(px, 1)), rotateRef(x, 1), ctx.th.rotPk);
  });

  it('conjugation of a complex vector', () => {
    const re = randomVec(ctx.n, 401);
    const im = randomVec(ctx.n, 402);
    const ct = ctx.sym.encrypt(ctx.encoder.encode({ re, im }, ctx.params.maxLevel));
    const got = ctx.encoder.decodeComplex(ctx.dec.decrypt(ctx.ev.conjugateNew(ct)));
    expectComplexBits(name, 'conjugate (complex)', got, { re, im: mapVec(im, (v) => -v) }, ctx.th.rot);
  });

  it('hoisted rotations equal plain rotations', () => {
    const n = ctx.n;
    const cx = encryptVec(ctx, x);
    const steps = [1, 0, -1, n / 2, -(n - 1)];
    const hs = ctx.ev.rotateHoistedNew(cx, steps);
    expect(hs.length).toBe(steps.length);
    steps.forEach((k, i) => {
      const plain = decryptVec(ctx, ctx.ev.rotateNew(cx, k));
      const hoisted = decryptVec(ctx, hs[i]);
      expectBits(name, `hoisted rotate ${k} vs float64`, hoisted, rotateRef(x, k), ctx.th.rot);
      // Both are the same rotation of the same ciphertext: they agree at least
      // as well as each agrees with the reference (they are in fact the same
      // key switch of the same decomposition).
      expectBits(name, `hoisted rotate ${k} vs rotate`, hoisted, plain, ctx.th.rot);
    });
  });

  it('rotation after a multiplication and rescale (lower level, scale != 2^30)', () => {
    const cx = encryptVec(ctx, x);
    const cy = encryptVec(ctx, y);
    const m = ctx.ev.rescaleNew(ctx.ev.mulRelinNew(cx, cy));
    const r = ctx.ev.rotateNew(m, -1);
    expect(r.level).toBe(ctx.params.maxLevel - 1);
    expectBits(name, 'mul + rescale + rotate -1', decryptVec(ctx, r), rotateRef(mapVec(x, (v, i) => v * y[i]), -1), ctx.th.rot);
  });
});

/** Default slot count of a literal (logSlots defaults to logN - 1). */
function defaultSlots(lit: Readonly<ParametersLiteral>): number {
  return 2 ** (lit.logSlots ?? lit.logN - 1);
}
